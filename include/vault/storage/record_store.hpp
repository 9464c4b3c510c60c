#pragma once
/// Records: MVCC revisions of each dataset's records. The shared contract of
/// every store (tenant scoping, thread-safety, durability, group commit,
/// error mapping) is in stores.hpp. In addition, for records:
/// - write_records is all-or-nothing: either every write of the batch is
///   applied (with consecutive sequence numbers, in the given order) or none.
/// - Reads "as of" a sequence number S see, for each record, the revision
///   with seq <= S < superseded_seq; they never block and are never blocked
///   by writers.
/// - The dataset row's record counters are part of this aggregate's
///   transactions: write_records and the payload rewrites update them in the
///   same transaction as the records (see each method), so a Dataset read
///   never disagrees with its records.
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::storage {

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  /// All-or-nothing batch of finished bytes (the store never calls back to
  /// seal). DatasetArchived if the dataset is archived; Conflict (Insert of
  /// a live id), RecordNotFound, ConcurrentModification (expected_revision,
  /// then RecordWrite::revision) fail the whole batch, with details.index =
  /// the failing write's position. In the same transaction, a non-empty batch advances the dataset's
  /// counters: seq becomes the last assigned sequence number (one per write,
  /// deletes included), record_count the number of live records (+1 per
  /// created record, -1 per delete) and record_bytes the payload bytes of the
  /// live revisions (the superseded revision's bytes out, the new one's in);
  /// the dataset's etag and updated_at are not changed.
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

  // ---- key rotation (rewrapping payloads in place)
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
  /// revision, ConcurrentModification if its payload differs. When the
  /// revision is live, the dataset's record_bytes follows the size change in
  /// the same transaction.
  virtual Status rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                        const std::string& record_id, Seq seq,
                                        std::string_view expected, std::string_view payload) = 0;
  /// rewrite_record_payload for many revisions in one transaction; a rewrite
  /// whose revision is gone or whose payload differs is skipped, not an
  /// error. Returns how many were rewritten.
  virtual Result<std::int64_t> rewrite_record_payloads(const std::string& tenant_id,
                                                       const std::string& dataset_id,
                                                       const std::vector<PayloadRewrite>& rewrites) = 0;
};

}  // namespace vault::storage
