#pragma once
/// BlobStore on an S3 bucket (AWS S3 or any S3-compatible server) over the
/// S3 REST protocol with SigV4 (s3_client.hpp). put is one PUT (atomic on
/// S3) or, above the multipart threshold, a multipart upload that becomes
/// visible at once on completion and is aborted on failure; list pages
/// through ListObjectsV2. HTTP and transport failures are BlobStorage (with
/// {"throttled": true} for 503 SlowDown / 429), retried by the blob store's
/// DependencyGuard per the retry policy; a missing key is ResourceNotFound.
#include "storage/s3_client.hpp"
#include "vault/storage/blob_store.hpp"

#include <memory>

namespace vault::storage {

class S3BlobStore final : public BlobStore {
 public:
  explicit S3BlobStore(s3::Config c) : client_(std::move(c)) {}

  Status put(const std::string& key, std::string_view data) override;
  Result<std::string> get(const std::string& key) override;
  Status get_to(const std::string& key, const std::function<bool(std::string_view)>& sink) override;
  Result<bool> exists(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<std::string>> list(const std::string& prefix) override;
  /// HEAD of the bucket (spec 4.3 readiness: head_bucket).
  Status ping() override;

 private:
  Status put_multipart(const std::string& key, std::string_view data);
  s3::Client client_;
};

}  // namespace vault::storage
