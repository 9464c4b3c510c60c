#pragma once
/// Key material, always stored wrapped: the data keys (DEKs) of datasets and
/// the named keys of tenants (transit keys, internal keys under '_' names).
/// The shared contract of every store (tenant scoping, thread-safety,
/// durability, group commit, error mapping) is in stores.hpp.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vault::storage {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // ---- data keys (wrapped DEKs); deleted with their dataset (DatasetStore::delete_dataset)
  /// Stores a wrapped data key of the tenant's dataset. DatasetNotFound for
  /// a dataset that is not the tenant's; Conflict if the version exists.
  virtual Status put_data_key(const DataKey& k) = 0;
  /// The dataset's data keys, version ascending (empty when none).
  virtual Result<std::vector<DataKey>> list_data_keys(const std::string& tenant_id,
                                                      const std::string& dataset_id) = 0;
  /// Replaces kek_id, kek_version, wrapped and state of an existing data key
  /// (KEK rotation rewraps). ResourceNotFound if that version does not exist.
  virtual Status update_data_key(const DataKey& k) = 0;
  /// update_data_key for many keys (of any datasets of one tenant) in one
  /// transaction: the KEK rotation's rewraps, a page at a time. A key whose
  /// dataset or version is gone (deleted meanwhile) is skipped; returns how
  /// many were updated.
  virtual Result<std::int64_t> update_data_keys(const std::vector<DataKey>& keys) = 0;

  // ---- named tenant keys (transit keys, internal keys under '_' names)
  /// Creates the name with its settings and its first version (key.version
  /// must be 1) in one transaction. Conflict if the tenant has the name.
  virtual Status create_tenant_key(const TenantKeyConfig& config, const TenantKey& first) = 0;
  /// Adds a version to an existing name. ResourceNotFound if the name does
  /// not exist; Conflict if the version exists (a concurrent rotation).
  virtual Status put_tenant_key(const TenantKey& k) = 0;
  /// The name's versions, ascending; empty when the name does not exist.
  virtual Result<std::vector<TenantKey>> list_tenant_keys(const std::string& tenant_id,
                                                          const std::string& name) = 0;
  /// The name's settings, or nullopt.
  virtual Result<std::optional<TenantKeyConfig>> get_tenant_key_config(const std::string& tenant_id,
                                                                       const std::string& name) = 0;
  /// Every name of the tenant, sorted by name.
  virtual Result<std::vector<TenantKeyConfig>> list_tenant_key_names(const std::string& tenant_id) = 0;
  /// Replaces type, min_decryption_version and deletion_allowed (updated_at
  /// set by the store). ResourceNotFound if the name does not exist.
  virtual Status update_tenant_key_config(const TenantKeyConfig& config) = 0;
  /// Replaces wrapped and state of an existing version (KEK rotation
  /// rewraps). ResourceNotFound if that version does not exist.
  virtual Status update_tenant_key(const TenantKey& k) = 0;
  /// Deletes the name and all its versions (crypto-shredding of what they
  /// encrypted); returns the number of versions deleted (0 if absent).
  virtual Result<std::int64_t> delete_tenant_keys(const std::string& tenant_id,
                                                  const std::string& name) = 0;
};

}  // namespace vault::storage
