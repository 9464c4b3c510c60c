#pragma once
/// The metadata and record store: tenants, API keys, datasets, records
/// (MVCC revisions), versions, idempotency entries.
///
/// Contract for every implementation (the conformance suite in
/// tests/conformance checks it, unchanged, against each of them):
/// - Every dataset/record/version method is scoped by tenant_id: naming a
///   dataset of another tenant answers DatasetNotFound, exactly as for an id
///   that does not exist.
/// - Methods are thread-safe and blocking; callers run them on worker pools.
/// - A method that returned success has made its change durable (it survives
///   kill -9 of the process). Implementations may batch concurrent writers
///   into one transaction (group commit) but acknowledge each only after the
///   commit.
/// - write_records is all-or-nothing: either every write of the batch is
///   applied (with consecutive sequence numbers, in the given order) or none.
/// - Reads "as of" a sequence number S see, for each record, the revision
///   with seq <= S < superseded_seq; they never block and are never blocked
///   by writers.
/// - Failures of the backend itself map to ErrorKind::Database.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::storage {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ---- tenants and API keys
  /// Conflict if the id or the name exists.
  virtual Status create_tenant(const Tenant& t) = 0;
  virtual Result<Tenant> get_tenant(const std::string& id) = 0;
  virtual Result<std::vector<Tenant>> list_tenants() = 0;
  virtual Status create_api_key(const ApiKey& k) = 0;
  /// ApiKeyNotFound when no key has that hash (revoked keys are returned; callers check).
  virtual Result<ApiKey> find_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& tenant_id) = 0;
  /// ApiKeyNotFound if the key is not the tenant's.
  virtual Status revoke_api_key(const std::string& tenant_id, const std::string& key_id) = 0;
  virtual Result<std::int64_t> count_api_keys() = 0;

  // ---- datasets
  /// Conflict if the tenant already has a dataset of that name. Returns the stored row.
  virtual Result<Dataset> create_dataset(const Dataset& d) = 0;
  virtual Result<Dataset> get_dataset(const std::string& tenant_id, const std::string& id) = 0;
  /// Sorted by id ascending; at most filter.limit items, starting after filter.after_id.
  virtual Result<std::vector<Dataset>> list_datasets(const std::string& tenant_id,
                                                     const DatasetFilter& filter) = 0;
  /// Applies the patch and bumps etag. ConcurrentModification if expected_etag
  /// is set and differs; Conflict on a name clash.
  virtual Result<Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                         const DatasetPatch& patch,
                                         std::optional<std::int64_t> expected_etag) = 0;
  /// Removes the dataset with all its records and versions.
  virtual Status delete_dataset(const std::string& tenant_id, const std::string& id) = 0;

  // ---- records
  /// All-or-nothing batch of finished bytes (the store never calls back to
  /// seal). DatasetArchived if the dataset is archived; Conflict (Insert of
  /// a live id), RecordNotFound, ConcurrentModification (expected_revision,
  /// then RecordWrite::revision) fail the whole batch, with details.index =
  /// the failing write's position.
  virtual Result<std::vector<RecordWriteResult>> write_records(
      const std::string& tenant_id, const std::string& dataset_id,
      std::vector<RecordWrite> writes) = 0;
  /// The live revision now, or as of `as_of`. RecordNotFound if none.
  virtual Result<Record> get_record(const std::string& tenant_id, const std::string& dataset_id,
                                    const std::string& record_id,
                                    std::optional<Seq> as_of = std::nullopt) = 0;
  /// The latest revision number the id has had in the dataset, live or
  /// deleted; 0 if it was never written. The next write of the id creates
  /// this + 1 (see RecordWrite::revision).
  virtual Result<std::int64_t> last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                             const std::string& record_id) = 0;
  /// Live records in created_seq order, starting after `after_created_seq`.
  /// `filter` selects by quarantine state (default: the visible ones).
  virtual Result<RecordPage> list_records(const std::string& tenant_id,
                                          const std::string& dataset_id,
                                          std::optional<Seq> as_of,
                                          std::optional<Seq> after_created_seq, int limit,
                                          RecordFilter filter = RecordFilter::Visible) = 0;

  // ---- versions
  /// Stores a version; assigns number = previous max + 1 and returns it.
  /// The caller has computed seq, counts and hash.
  virtual Result<Version> create_version(const std::string& tenant_id, const Version& v) = 0;
  virtual Result<std::vector<Version>> list_versions(const std::string& tenant_id,
                                                     const std::string& dataset_id) = 0;
  /// VersionNotFound if absent.
  virtual Result<Version> get_version(const std::string& tenant_id,
                                      const std::string& dataset_id, std::int64_t number) = 0;

  // ---- data keys (wrapped DEKs)
  /// Stores a wrapped data key of the tenant's dataset. DatasetNotFound for
  /// a dataset that is not the tenant's; Conflict if the version exists.
  virtual Status put_data_key(const DataKey& k) = 0;
  /// The dataset's data keys, version ascending (empty when none).
  virtual Result<std::vector<DataKey>> list_data_keys(const std::string& tenant_id,
                                                      const std::string& dataset_id) = 0;
  /// Replaces kek_id, kek_version, wrapped and state of an existing data key
  /// (KEK rotation rewraps). ResourceNotFound if that version does not exist.
  virtual Status update_data_key(const DataKey& k) = 0;

  // ---- key rotation and tenant purge (crypto-shredding)
  /// Every stored revision of the dataset (live, superseded, deleted,
  /// quarantined) with seq > after_seq, seq ascending; next_after = the last
  /// seq when more remain. Each revision has its own seq within a dataset.
  virtual Result<RecordPage> list_record_revisions(const std::string& tenant_id,
                                                   const std::string& dataset_id, Seq after_seq,
                                                   int limit) = 0;
  /// Number of stored revisions of the dataset.
  virtual Result<std::int64_t> count_record_revisions(const std::string& tenant_id,
                                                      const std::string& dataset_id) = 0;
  /// Replaces the payload bytes of revision (record_id, seq) in place (no new
  /// revision; seq, revision and timestamps unchanged) if they still equal
  /// `expected` (compare-and-swap). RecordNotFound if there is no such
  /// revision, ConcurrentModification if its payload differs.
  virtual Status rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                        const std::string& record_id, Seq seq,
                                        std::string_view expected, std::string_view payload) = 0;
  /// rewrite_record_payload for many revisions in one transaction; a rewrite
  /// whose revision is gone or whose payload differs is skipped, not an
  /// error. Returns how many were rewritten.
  virtual Result<std::int64_t> rewrite_record_payloads(const std::string& tenant_id,
                                                       const std::string& dataset_id,
                                                       const std::vector<PayloadRewrite>& rewrites) = 0;
  /// Stores a new job. Conflict if the tenant already has a running job
  /// (one key job per tenant at a time).
  virtual Status create_key_job(const KeyJob& j) = 0;
  /// Replaces state, total, done, versions, cursor, error and updated_at.
  /// ResourceNotFound if the tenant has no such job.
  virtual Status update_key_job(const KeyJob& j) = 0;
  /// ResourceNotFound if the tenant has no such job.
  virtual Result<KeyJob> get_key_job(const std::string& tenant_id, const std::string& id) = 0;
  /// The tenant's latest jobs, newest first.
  virtual Result<std::vector<KeyJob>> list_key_jobs(const std::string& tenant_id, int limit) = 0;
  /// Every running job of every tenant (resumed at start-up).
  virtual Result<std::vector<KeyJob>> list_running_key_jobs() = 0;
  /// Deletes the tenant and everything it owns in the store, in one
  /// transaction: datasets (records, versions, data keys), API keys,
  /// idempotency entries, PII tokens, key jobs. TenantNotFound if absent.
  virtual Status delete_tenant(const std::string& tenant_id) = 0;

  // ---- PII token vault
  /// Stores the token unless the tenant already has one for `value_hash`;
  /// returns the stored entry (the existing one on a race: one value, one token).
  virtual Result<PiiToken> put_pii_token(const PiiToken& t) = 0;
  /// The tenant's token for a value hash, if any.
  virtual Result<std::optional<PiiToken>> find_pii_token(const std::string& tenant_id,
                                                         const std::string& value_hash) = 0;
  /// ResourceNotFound if the tenant has no such token.
  virtual Result<PiiToken> get_pii_token(const std::string& tenant_id, const std::string& token) = 0;

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

  // ---- idempotency
  /// Stores the entry unless one exists for (tenant_id, key); returns the stored one.
  virtual Result<IdempotencyEntry> put_idempotency(const IdempotencyEntry& e) = 0;
  virtual Result<std::optional<IdempotencyEntry>> get_idempotency(const std::string& tenant_id,
                                                                  const std::string& key) = 0;
  /// Deletes entries created before `before`; returns how many.
  virtual Result<std::int64_t> purge_idempotency(Timestamp before) = 0;

  // ---- operations
  /// Cheap liveness check of the backend (health/ready).
  virtual Status ping() = 0;
  /// Schema version after migrations.
  virtual int schema_version() const = 0;
  /// Flushes and closes; later calls fail with Database.
  virtual void close() = 0;
};

}  // namespace vault::storage
