#pragma once
/// Versions: immutable numbered snapshots of a dataset. A version pins the
/// dataset's sequence number at commit time; its record count, bytes and
/// content hash (SHA-256 over id NUL payload LF in creation order) are
/// computed from that snapshot while writers continue.
#include "vault/core/error.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/storage/metadata_store.hpp"

namespace vault::domain {

class VersionService {
 public:
  VersionService(storage::MetadataStore& store, DatasetService& datasets, RecordService& records);

  Result<storage::Version> create(const std::string& tenant_id, const std::string& dataset_id,
                                  const std::string& message, const std::string& author_key_id);
  Result<std::vector<storage::Version>> list(const std::string& tenant_id,
                                             const std::string& dataset_id);
  Result<storage::Version> get(const std::string& tenant_id, const std::string& dataset_id,
                               std::int64_t number);

 private:
  storage::MetadataStore& store_;
  DatasetService& datasets_;
  RecordService& records_;
};

}  // namespace vault::domain
