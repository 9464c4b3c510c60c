#pragma once
/// MetadataStore on SQLite 3: WAL, synchronous=FULL, one writer thread with
/// group commit (sqlite_writer.hpp), a pool of read-only connections, MVCC
/// record revisions (see the records table in sqlite_migrations.cpp).
#include "storage/sqlite_read_pool.hpp"
#include "storage/sqlite_writer.hpp"
#include "vault/storage/metadata_store.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace vault::storage {

class SqliteMetadataStore final : public MetadataStore {
 public:
  /// Opens (creating the file if needed) and migrates the database at `path`.
  static Result<std::unique_ptr<SqliteMetadataStore>> open(const std::string& path);
  ~SqliteMetadataStore() override;

  Status create_tenant(const Tenant& t) override;
  Result<Tenant> get_tenant(const std::string& id) override;
  Result<std::vector<Tenant>> list_tenants() override;
  Status create_api_key(const ApiKey& k) override;
  Result<ApiKey> find_api_key_by_hash(const std::string& key_hash) override;
  Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) override;
  Status revoke_api_key(const std::string& tenant_id, const std::string& key_id) override;
  Result<std::int64_t> count_api_keys() override;

  Result<Dataset> create_dataset(const Dataset& d) override;
  Result<Dataset> get_dataset(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<Dataset>> list_datasets(const std::string& tenant_id,
                                             const DatasetFilter& filter) override;
  Result<Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                 const DatasetPatch& patch,
                                 std::optional<std::int64_t> expected_etag) override;
  Status delete_dataset(const std::string& tenant_id, const std::string& id) override;

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

  Result<Version> create_version(const std::string& tenant_id, const Version& v) override;
  Result<std::vector<Version>> list_versions(const std::string& tenant_id,
                                             const std::string& dataset_id) override;
  Result<Version> get_version(const std::string& tenant_id, const std::string& dataset_id,
                              std::int64_t number) override;

  Status put_data_key(const DataKey& k) override;
  Result<std::vector<DataKey>> list_data_keys(const std::string& tenant_id,
                                              const std::string& dataset_id) override;
  Status update_data_key(const DataKey& k) override;

  Result<RecordPage> list_record_revisions(const std::string& tenant_id, const std::string& dataset_id,
                                           Seq after_seq, int limit) override;
  Result<std::int64_t> count_record_revisions(const std::string& tenant_id,
                                              const std::string& dataset_id) override;
  Status rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                const std::string& record_id, Seq seq, std::string_view expected,
                                std::string_view payload) override;
  Result<std::int64_t> rewrite_record_payloads(const std::string& tenant_id, const std::string& dataset_id,
                                               const std::vector<PayloadRewrite>& rewrites) override;
  Status create_key_job(const KeyJob& j) override;
  Status update_key_job(const KeyJob& j) override;
  Result<KeyJob> get_key_job(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<KeyJob>> list_key_jobs(const std::string& tenant_id, int limit) override;
  Result<std::vector<KeyJob>> list_running_key_jobs() override;
  Status delete_tenant(const std::string& tenant_id) override;

  Result<PiiToken> put_pii_token(const PiiToken& t) override;
  Result<std::optional<PiiToken>> find_pii_token(const std::string& tenant_id,
                                                 const std::string& value_hash) override;
  Result<PiiToken> get_pii_token(const std::string& tenant_id, const std::string& token) override;

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

  Result<IdempotencyEntry> put_idempotency(const IdempotencyEntry& e) override;
  Result<std::optional<IdempotencyEntry>> get_idempotency(const std::string& tenant_id,
                                                          const std::string& key) override;
  Result<std::int64_t> purge_idempotency(Timestamp before) override;

  Status ping() override;
  int schema_version() const override { return schema_version_; }
  void close() override;

 private:
  SqliteMetadataStore(std::unique_ptr<sqlite::Writer> writer, std::string path, int schema_version);

  template <class T>
  Result<T> write(std::function<Result<T>(sqlite::Connection&)> fn);
  template <class T>
  Result<T> read(const std::function<Result<T>(sqlite::Connection&)>& fn);

  std::unique_ptr<sqlite::Writer> writer_;
  sqlite::ReadPool readers_;
  const int schema_version_;
  std::atomic<bool> closed_{false};
};

}  // namespace vault::storage

namespace vault::storage {

template <class T>
Result<T> SqliteMetadataStore::write(std::function<Result<T>(sqlite::Connection&)> fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  return writer_->execute<T>(std::move(fn));
}

/// Runs `fn` in one read transaction (a consistent snapshot) on a pooled
/// read-only connection.
template <class T>
Result<T> SqliteMetadataStore::read(const std::function<Result<T>(sqlite::Connection&)>& fn) {
  if (closed_.load()) return fail(ErrorKind::Database, "the store is closed");
  auto lease = readers_.acquire();
  if (!lease) return std::unexpected(lease.error());
  sqlite::Connection& c = **lease;
  if (auto s = c.exec("BEGIN"); !s) return std::unexpected(s.error());
  return fn(c);  // the lease rolls the read transaction back on release
}

}  // namespace vault::storage
