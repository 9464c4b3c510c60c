#pragma once
/// Records: single writes, batches, streamed JSONL import/export, and reads
/// of the current state or as of a version. Every write goes through
/// prepare() (parse → object check → dataset schema → RecordInspector →
/// PayloadCodec::seal); every read through PayloadCodec::open.
#include "vault/core/error.hpp"
#include "vault/core/worker_pool.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/seams.hpp"
#include "vault/storage/record_store.hpp"
#include "vault/storage/version_store.hpp"

#include <boost/json/array.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vault::domain {

struct RecordView {
  std::string id;
  std::int64_t revision = 0;
  std::string payload;  ///< plaintext JSON object text, exactly as stored
  storage::Timestamp created_at = 0;
  storage::Timestamp updated_at = 0;
  bool quarantined = false;
  std::string findings;  ///< PII findings summary JSON ("" = none found)
};

/// How records are read.
struct ReadOptions {
  bool anonymized = false;  ///< apply the dataset's PII policy operators (view=anonymized)
  /// Visible: quarantined records are hidden (a GET of one is RecordNotFound);
  /// Quarantined: the review queue; All: both.
  storage::RecordFilter filter = storage::RecordFilter::Visible;
};

struct RecordPageView {
  std::vector<RecordView> items;
  std::optional<std::string> next_cursor;
};

struct ImportLineError {
  std::int64_t line = 0;
  Error error;
};

struct ImportReport {
  std::int64_t lines = 0;  ///< non-blank lines seen
  std::int64_t imported = 0;
  std::int64_t failed = 0;
  std::vector<ImportLineError> errors;  ///< the first kMaxReportedErrors
  bool errors_truncated = false;
  static constexpr std::size_t kMaxReportedErrors = 100;
};

/// A validated export: which dataset, at which sequence number.
struct ExportPlan {
  storage::Dataset dataset;
  storage::Seq as_of = 0;
  bool anonymized = false;  ///< each record through the dataset's anonymized view
};

struct RecordLimits {
  int max_batch_records = 10000;
  int import_batch_records = 1000;
  std::size_t import_batch_bytes = 4 << 20;
  std::size_t max_record_bytes = 16 << 20;
};

class RecordParser;

class RecordService {
 public:
  /// `inspector` sees every write (PII policy); `viewer` serves
  /// view=anonymized reads (without one, such reads fail with NotImplemented).
  /// Import parses, scans and seals on `import_pool` (shared by concurrent
  /// imports; when it is full or null, on the importing thread).
  RecordService(storage::RecordStore& records, storage::VersionStore& versions, DatasetService& datasets,
                PayloadCodec& codec, RecordInspector* inspector, RecordLimits limits,
                RecordViewer* viewer = nullptr, WorkerPool* import_pool = nullptr);

  Result<RecordView> create(const std::string& tenant_id, const std::string& dataset_id,
                            std::string_view body);
  /// create() for a request sent with an Idempotency-Key: the record id is
  /// derived from (tenant, dataset, key), so a second execution of the same
  /// request — concurrent with the first, or a retry after the process that
  /// ran the first died between its commit and storing its answer — finds
  /// the record instead of writing a second one. The bool is false then (the
  /// record existed). Conflict if that record holds other content (another
  /// request reused the key; or a policy that changes content on write
  /// randomly, like tokenize, made the two differ).
  Result<std::pair<RecordView, bool>> create_once(const std::string& tenant_id, const std::string& dataset_id,
                                                  std::string_view body, const std::string& idempotency_key);
  /// Create-or-replace under a client-chosen id. The bool is true when created.
  Result<std::pair<RecordView, bool>> put(const std::string& tenant_id,
                                          const std::string& dataset_id,
                                          const std::string& record_id, std::string_view body,
                                          std::optional<std::int64_t> if_match);
  Result<RecordView> get(const std::string& tenant_id, const std::string& dataset_id,
                         const std::string& record_id, std::optional<std::int64_t> version,
                         const ReadOptions& read = {});
  Status remove(const std::string& tenant_id, const std::string& dataset_id,
                const std::string& record_id, std::optional<std::int64_t> if_match);
  Result<RecordPageView> list(const std::string& tenant_id, const std::string& dataset_id,
                              std::optional<std::int64_t> version,
                              const std::optional<std::string>& cursor, int limit,
                              const ReadOptions& read = {});
  /// Makes a quarantined record visible: a new revision with the same
  /// content. Conflict if it is not quarantined; If-Match checked when given.
  Result<RecordView> release(const std::string& tenant_id, const std::string& dataset_id,
                             const std::string& record_id, std::optional<std::int64_t> if_match);
  /// All or nothing; returns the new ids in order.
  Result<std::vector<std::string>> batch(const std::string& tenant_id,
                                         const std::string& dataset_id,
                                         const boost::json::array& records);
  /// Streams JSONL from `next_chunk` (nullopt = end) in constant memory.
  /// Bad lines are reported, good lines stored in batches.
  Result<ImportReport> import(const std::string& tenant_id, const std::string& dataset_id,
                              const std::function<std::optional<std::string_view>()>& next_chunk);
  /// Validates dataset and version before any byte is streamed.
  Result<ExportPlan> plan_export(const std::string& tenant_id, const std::string& dataset_id,
                                 std::optional<std::int64_t> version, bool anonymized = false);
  /// Writes each record's bytes + '\n' in creation order, in chunks.
  Status run_export(const ExportPlan& plan, const std::function<void(std::string_view)>& write);

  /// Visits every live record as of `as_of` in creation order (plaintext).
  Status scan(const storage::Dataset& d, storage::Seq as_of,
              const std::function<void(const std::string& id, const std::string& payload)>& visit);

  /// The snapshot sequence number of `version` (VersionNotFound), or
  /// nullopt (the current state) when no version is asked for.
  Result<std::optional<storage::Seq>> snapshot_of(const std::string& tenant_id,
                                                  const std::string& dataset_id,
                                                  std::optional<std::int64_t> version);

  static Status validate_record_id(const std::string& id);

 private:
  /// Inserts revision 1 of `id`. When it exists already and
  /// `existing_is_ours` (an id derived from an Idempotency-Key), answers with
  /// it if it holds the same content (bool false), else Conflict.
  Result<std::pair<RecordView, bool>> insert_new(const std::string& tenant_id, const std::string& dataset_id,
                                                 std::string_view body, std::string id, bool existing_is_ours);
  /// A record ready to seal: its bytes as the inspector left them and what it decided.
  struct PreparedRecord {
    std::string plaintext;  ///< as stored (anonymized when the policy says so)
    bool quarantined = false;
    std::string findings;
  };
  /// The store write of a prepared record, sealed by the codec for
  /// `revision` (bound into the ciphertext), which the store then insists
  /// on. The key provider may be called here, never inside the store.
  Result<storage::RecordWrite> seal_write(const storage::Dataset& d, const PreparedRecord& p,
                                          storage::RecordWrite::Op op, std::string id, std::int64_t revision,
                                          std::optional<std::int64_t> expected = std::nullopt);
  /// seal_write + a store write of that one record.
  Result<storage::RecordWriteResult> write_one(const storage::Dataset& d, const PreparedRecord& p,
                                               storage::RecordWrite::Op op, std::string id, std::int64_t revision,
                                               std::optional<std::int64_t> expected = std::nullopt);
  Result<PreparedRecord> prepare(const storage::Dataset& d, const JsonSchema* schema,
                                 std::string_view text, RecordParser& parser);
  Result<RecordView> open(const storage::Dataset& d, storage::Record&& r, bool anonymized = false);
  Result<storage::Dataset> writable_dataset(const std::string& tenant_id,
                                            const std::string& dataset_id);

  storage::RecordStore& records_;
  storage::VersionStore& versions_;
  DatasetService& datasets_;
  PayloadCodec& codec_;
  RecordInspector* inspector_;
  RecordLimits limits_;
  RecordViewer* viewer_;
  WorkerPool* import_pool_;
};

}  // namespace vault::domain
