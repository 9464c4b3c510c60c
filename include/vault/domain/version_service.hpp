#pragma once
/// Versions: immutable numbered snapshots of a dataset. A version pins the
/// dataset's sequence number at commit time; its record count, bytes and
/// content hash are computed from that snapshot while writers continue.
///
/// content_hash = "hmac-sha256:v<N>:" + hex HMAC-SHA256 over (id NUL payload
/// LF) of every live record in creation order, keyed by version N of the
/// tenant key "_version_hash" (tenant keyring, wrapped by the tenant KEK).
/// Equal content gives equal hashes within a tenant (same key version);
/// without the tenant's key the hash reveals nothing about the content, and
/// it is shredded with the tenant. Versions created before this scheme keep
/// their bare hex SHA-256 (no prefix).
#include "vault/core/error.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/storage/version_store.hpp"

namespace vault::domain {

class VersionService {
 public:
  /// The tenant key that keys content hashes.
  static constexpr const char* kHashKeyName = "_version_hash";
  // content_hash = crypto::keyed_digest_label(key version, HMAC hex).

  VersionService(storage::VersionStore& store, DatasetService& datasets, RecordService& records,
                 TenantKeyring& keyring);

  Result<storage::Version> create(const std::string& tenant_id, const std::string& dataset_id,
                                  const std::string& message, const std::string& author_key_id);
  Result<std::vector<storage::Version>> list(const std::string& tenant_id,
                                             const std::string& dataset_id);
  Result<storage::Version> get(const std::string& tenant_id, const std::string& dataset_id,
                               std::int64_t number);

 private:
  storage::VersionStore& store_;
  DatasetService& datasets_;
  RecordService& records_;
  TenantKeyring& keyring_;
};

}  // namespace vault::domain
