#pragma once
/// The PostgreSQL aggregate stores: one small class per aggregate interface,
/// each holding the one shared PgDatabase by reference (one connection pool
/// and one schema), and PgBackend, which owns the database and the stores
/// and exposes them as a Stores bundle. They keep the SQLite stores'
/// semantics (sqlite_stores.hpp) exactly: the same conformance suites run
/// against both.
///
///   PgTenantStore       pg_tenants.cpp
///   PgDatasetStore      pg_datasets.cpp
///   PgRecordStore       pg_records.cpp (+ pg_record_batch.cpp), pg_record_rewrites.cpp
///   PgVersionStore      pg_versions.cpp
///   PgKeyStore          pg_data_keys.cpp, pg_tenant_keys.cpp
///   PgJobStore          pg_key_jobs.cpp
///   PgTokenStore        pg_pii_tokens.cpp
///   PgIdempotencyStore  pg_idempotency.cpp
///   PgDatabase          pg_database.cpp (StoreOps)
///   PgBackend           pg_backend.cpp
#include "storage/pg_database.hpp"
#include "vault/storage/stores.hpp"

#include <memory>
#include <string>

namespace vault::storage {

class PgTenantStore final : public TenantStore {
 public:
  explicit PgTenantStore(PgDatabase& db) : db_(db) {}

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
  PgDatabase& db_;
};

class PgDatasetStore final : public DatasetStore {
 public:
  explicit PgDatasetStore(PgDatabase& db) : db_(db) {}

  Result<Dataset> create_dataset(const Dataset& d) override;
  Result<Dataset> get_dataset(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<Dataset>> list_datasets(const std::string& tenant_id,
                                             const DatasetFilter& filter) override;
  Result<Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                 const DatasetPatch& patch,
                                 std::optional<std::int64_t> expected_etag) override;
  Status delete_dataset(const std::string& tenant_id, const std::string& id) override;

 private:
  PgDatabase& db_;
};

class PgRecordStore final : public RecordStore {
 public:
  explicit PgRecordStore(PgDatabase& db);
  ~PgRecordStore() override;

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
  struct Call;
  struct Queues;
  /// Applies `round` (queued calls on one dataset) in one transaction.
  void run_round(const std::string& tenant_id, const std::string& dataset_id, const std::vector<Call*>& round);

  PgDatabase& db_;
  std::unique_ptr<Queues> queues_;
};

class PgVersionStore final : public VersionStore {
 public:
  explicit PgVersionStore(PgDatabase& db) : db_(db) {}

  Result<Version> create_version(const std::string& tenant_id, const Version& v) override;
  Result<std::vector<Version>> list_versions(const std::string& tenant_id,
                                             const std::string& dataset_id) override;
  Result<Version> get_version(const std::string& tenant_id, const std::string& dataset_id,
                              std::int64_t number) override;

 private:
  PgDatabase& db_;
};

class PgKeyStore final : public KeyStore {
 public:
  explicit PgKeyStore(PgDatabase& db) : db_(db) {}

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
  PgDatabase& db_;
};

class PgJobStore final : public JobStore {
 public:
  explicit PgJobStore(PgDatabase& db) : db_(db) {}

  Status create_key_job(const KeyJob& j) override;
  Status update_key_job(const KeyJob& j) override;
  Result<KeyJob> get_key_job(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<KeyJob>> list_key_jobs(const std::string& tenant_id, int limit) override;
  Result<std::vector<KeyJob>> list_running_key_jobs() override;

 private:
  PgDatabase& db_;
};

class PgTokenStore final : public TokenStore {
 public:
  explicit PgTokenStore(PgDatabase& db) : db_(db) {}

  Result<PiiToken> put_pii_token(const PiiToken& t) override;
  Result<std::optional<PiiToken>> find_pii_token(const std::string& tenant_id,
                                                 const std::string& value_hash) override;
  Result<PiiToken> get_pii_token(const std::string& tenant_id, const std::string& token) override;

 private:
  PgDatabase& db_;
};

class PgIdempotencyStore final : public IdempotencyStore {
 public:
  explicit PgIdempotencyStore(PgDatabase& db) : db_(db) {}

  Result<IdempotencyEntry> put_idempotency(const IdempotencyEntry& e) override;
  Result<std::optional<IdempotencyEntry>> get_idempotency(const std::string& tenant_id,
                                                          const std::string& key) override;
  Result<std::int64_t> purge_idempotency(Timestamp before) override;

 private:
  PgDatabase& db_;
};

/// Owns the database and one store per aggregate on it. Destroying it closes
/// the database (pending writes are flushed first).
class PgBackend final : public MetadataBackend {
 public:
  /// Connects to `url` and migrates the schema.
  static Result<std::unique_ptr<PgBackend>> open(const std::string& url, const PgOptions& o);
  PgDatabase& database() { return *db_; }

  const Stores& stores() const override { return stores_; }

 private:
  explicit PgBackend(std::unique_ptr<PgDatabase> db);

  std::unique_ptr<PgDatabase> db_;  // declared first: destroyed (closed) last
  PgTenantStore tenants_;
  PgDatasetStore datasets_;
  PgRecordStore records_;
  PgVersionStore versions_;
  PgKeyStore keys_;
  PgJobStore jobs_;
  PgTokenStore tokens_;
  PgIdempotencyStore idempotency_;
  Stores stores_;
};

}  // namespace vault::storage
