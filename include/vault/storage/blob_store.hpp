#pragma once
/// Blob store: named immutable byte objects (export spills, large payloads).
/// Contract (checked by the blob conformance suite): put is atomic (a reader
/// sees the whole old object or the whole new one, never a torn write) and
/// durable on return; keys are '/'-separated paths of [A-Za-z0-9._-]
/// segments (InvalidIdentifier otherwise); backend failures map to
/// ErrorKind::BlobStorage; a missing key is ResourceNotFound.
#include "vault/core/error.hpp"

#include <string>
#include <vector>

namespace vault::storage {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Status put(const std::string& key, std::string_view data) = 0;
  virtual Result<std::string> get(const std::string& key) = 0;
  virtual Result<bool> exists(const std::string& key) = 0;
  /// Deleting a missing key succeeds.
  virtual Status remove(const std::string& key) = 0;
  /// Keys starting with prefix, sorted.
  virtual Result<std::vector<std::string>> list(const std::string& prefix) = 0;
  virtual Status ping() = 0;
};

}  // namespace vault::storage
