#pragma once
/// The SQLite aggregate stores: one small class per aggregate interface, each
/// holding the one shared SqliteDatabase by reference (so all of them use the
/// same writer thread, group commit and read pool), and SqliteBackend, which
/// owns the database and the stores and exposes them as a Stores bundle.
///
///   SqliteTenantStore       sqlite_tenants.cpp
///   SqliteDatasetStore      sqlite_datasets.cpp
///   SqliteRecordStore       sqlite_records.cpp, sqlite_record_rewrites.cpp
///   SqliteVersionStore      sqlite_versions.cpp
///   SqliteKeyStore          sqlite_data_keys.cpp, sqlite_tenant_keys.cpp
///   SqliteJobStore          sqlite_key_jobs.cpp
///   SqliteTokenStore        sqlite_pii_tokens.cpp
///   SqliteIdempotencyStore  sqlite_idempotency.cpp
///   SqliteDatabase          sqlite_database.cpp (StoreOps)
///   SqliteBackend           sqlite_backend.cpp
#include "storage/sqlite_database.hpp"
#include "vault/storage/stores.hpp"

#include <memory>
#include <string>

namespace vault::storage {

class SqliteTenantStore final : public TenantStore {
 public:
  explicit SqliteTenantStore(SqliteDatabase& db) : db_(db) {}

  Status create_tenant(const Tenant& t) override;
  Result<Tenant> get_tenant(const std::string& id) override;
  Result<std::vector<Tenant>> list_tenants() override;
  Status create_api_key(const ApiKey& k) override;
  Result<ApiKey> find_api_key_by_hash(const std::string& key_hash) override;
  Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) override;
  Status revoke_api_key(const std::string& tenant_id, const std::string& key_id) override;
  Result<std::int64_t> count_api_keys() override;
  Status delete_tenant(const std::string& tenant_id) override;

 private:
  SqliteDatabase& db_;
};

class SqliteDatasetStore final : public DatasetStore {
 public:
  explicit SqliteDatasetStore(SqliteDatabase& db) : db_(db) {}

  Result<Dataset> create_dataset(const Dataset& d) override;
  Result<Dataset> get_dataset(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<Dataset>> list_datasets(const std::string& tenant_id,
                                             const DatasetFilter& filter) override;
  Result<Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                 const DatasetPatch& patch,
                                 std::optional<std::int64_t> expected_etag) override;
  Status delete_dataset(const std::string& tenant_id, const std::string& id) override;

 private:
  SqliteDatabase& db_;
};

class SqliteRecordStore final : public RecordStore {
 public:
  explicit SqliteRecordStore(SqliteDatabase& db) : db_(db) {}

  Result<std::vector<RecordWriteResult>> write_records(const std::string& tenant_id,
                                                       const std::string& dataset_id,
                                                       std::vector<RecordWrite> writes) override;
  Result<Record> get_record(const std::string& tenant_id, const std::string& dataset_id,
                            const std::string& record_id,
                            std::optional<Seq> as_of = std::nullopt) override;
  Result<std::int64_t> last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                     const std::string& record_id) override;
  Result<RecordPage> list_records(const std::string& tenant_id, const std::string& dataset_id,
                                  std::optional<Seq> as_of, std::optional<Seq> after_created_seq,
                                  int limit, RecordFilter filter = RecordFilter::Visible) override;

  Result<RecordPage> list_record_revisions(const std::string& tenant_id, const std::string& dataset_id,
                                           Seq after_seq, int limit) override;
  Result<std::int64_t> count_record_revisions(const std::string& tenant_id,
                                              const std::string& dataset_id) override;
  Status rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                const std::string& record_id, Seq seq, std::string_view expected,
                                std::string_view payload) override;
  Result<std::int64_t> rewrite_record_payloads(const std::string& tenant_id, const std::string& dataset_id,
                                               const std::vector<PayloadRewrite>& rewrites) override;

 private:
  SqliteDatabase& db_;
};

class SqliteVersionStore final : public VersionStore {
 public:
  explicit SqliteVersionStore(SqliteDatabase& db) : db_(db) {}

  Result<Version> create_version(const std::string& tenant_id, const Version& v) override;
  Result<std::vector<Version>> list_versions(const std::string& tenant_id,
                                             const std::string& dataset_id) override;
  Result<Version> get_version(const std::string& tenant_id, const std::string& dataset_id,
                              std::int64_t number) override;

 private:
  SqliteDatabase& db_;
};

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(SqliteDatabase& db) : db_(db) {}

  Status put_data_key(const DataKey& k) override;
  Result<std::vector<DataKey>> list_data_keys(const std::string& tenant_id,
                                              const std::string& dataset_id) override;
  Status update_data_key(const DataKey& k) override;
  Result<std::int64_t> update_data_keys(const std::vector<DataKey>& keys) override;

  Status create_tenant_key(const TenantKeyConfig& config, const TenantKey& first) override;
  Status put_tenant_key(const TenantKey& k) override;
  Result<std::vector<TenantKey>> list_tenant_keys(const std::string& tenant_id,
                                                  const std::string& name) override;
  Result<std::optional<TenantKeyConfig>> get_tenant_key_config(const std::string& tenant_id,
                                                               const std::string& name) override;
  Result<std::vector<TenantKeyConfig>> list_tenant_key_names(const std::string& tenant_id) override;
  Status update_tenant_key_config(const TenantKeyConfig& config) override;
  Status update_tenant_key(const TenantKey& k) override;
  Result<std::int64_t> delete_tenant_keys(const std::string& tenant_id, const std::string& name) override;

 private:
  SqliteDatabase& db_;
};

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(SqliteDatabase& db) : db_(db) {}

  Status create_key_job(const KeyJob& j) override;
  Status update_key_job(const KeyJob& j) override;
  Result<KeyJob> get_key_job(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<KeyJob>> list_key_jobs(const std::string& tenant_id, int limit) override;
  Result<std::vector<KeyJob>> list_running_key_jobs() override;

 private:
  SqliteDatabase& db_;
};

class SqliteTokenStore final : public TokenStore {
 public:
  explicit SqliteTokenStore(SqliteDatabase& db) : db_(db) {}

  Result<PiiToken> put_pii_token(const PiiToken& t) override;
  Result<std::optional<PiiToken>> find_pii_token(const std::string& tenant_id,
                                                 const std::string& value_hash) override;
  Result<PiiToken> get_pii_token(const std::string& tenant_id, const std::string& token) override;

 private:
  SqliteDatabase& db_;
};

class SqliteIdempotencyStore final : public IdempotencyStore {
 public:
  explicit SqliteIdempotencyStore(SqliteDatabase& db) : db_(db) {}

  Result<IdempotencyEntry> put_idempotency(const IdempotencyEntry& e) override;
  Result<std::optional<IdempotencyEntry>> get_idempotency(const std::string& tenant_id,
                                                          const std::string& key) override;
  Result<std::int64_t> purge_idempotency(Timestamp before) override;

 private:
  SqliteDatabase& db_;
};

/// Owns the database and one store per aggregate on it. Destroying it closes
/// the database (pending writes are flushed first).
class SqliteBackend final : public MetadataBackend {
 public:
  /// Opens (creating the file if needed) and migrates the database at `path`.
  static Result<std::unique_ptr<SqliteBackend>> open(const std::string& path);

  const Stores& stores() const override { return stores_; }

 private:
  explicit SqliteBackend(std::unique_ptr<SqliteDatabase> db);

  std::unique_ptr<SqliteDatabase> db_;  // declared first: destroyed (closed) last
  SqliteTenantStore tenants_;
  SqliteDatasetStore datasets_;
  SqliteRecordStore records_;
  SqliteVersionStore versions_;
  SqliteKeyStore keys_;
  SqliteJobStore jobs_;
  SqliteTokenStore tokens_;
  SqliteIdempotencyStore idempotency_;
  Stores stores_;
};

}  // namespace vault::storage
