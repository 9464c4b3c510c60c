#pragma once
/// Blob store: named immutable byte objects (export spills, large payloads).
/// Contract (checked by the blob conformance suite): put is atomic (a reader
/// sees the whole old object or the whole new one, never a torn write) and
/// durable on return; keys are '/'-separated paths of [A-Za-z0-9._-]
/// segments (InvalidIdentifier otherwise); backend failures map to
/// ErrorKind::BlobStorage; a missing key is ResourceNotFound.
#include "vault/core/error.hpp"

#include <functional>
#include <string>
#include <vector>

namespace vault::storage {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Status put(const std::string& key, std::string_view data) = 0;
  virtual Result<std::string> get(const std::string& key) = 0;
  /// The object piece by piece to `sink` (in order; false from the sink
  /// aborts with BlobStorage): for objects too large to hold in memory. The
  /// default reads it whole with get(). On failure the sink may have seen a
  /// prefix of the object.
  virtual Status get_to(const std::string& key, const std::function<bool(std::string_view)>& sink) {
    auto data = get(key);
    if (!data) return std::unexpected(data.error());
    if (!sink(*data)) return fail(ErrorKind::BlobStorage, "blob read aborted by its reader");
    return {};
  }
  virtual Result<bool> exists(const std::string& key) = 0;
  /// Deleting a missing key succeeds.
  virtual Status remove(const std::string& key) = 0;
  /// Keys starting with prefix, sorted.
  virtual Result<std::vector<std::string>> list(const std::string& prefix) = 0;
  virtual Status ping() = 0;
};

}  // namespace vault::storage
