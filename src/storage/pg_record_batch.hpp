#pragma once
/// The in-memory half of PgRecordStore::write_records: record writes resolved
/// against the latest revision of each id (the rules of RecordStore, applied
/// in order, one id possibly several times), collected into one UPDATE of the
/// superseded revisions and one INSERT of the new ones, whatever their number.
/// Several write_records calls can be applied to one RecordBatch in turn: a
/// call that fails leaves the batch exactly as it was before it.
#include "storage/pg_connection.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace vault::storage::pg {

class RecordBatch {
 public:
  /// `d` is the dataset row (locked); `now` stamps created_at/updated_at.
  RecordBatch(std::int64_t dataset_pk, const Dataset& d, Timestamp now);

  /// Reads the latest revision of every id the calls write (one query).
  Status load(Connection& c, const std::vector<const std::vector<RecordWrite>*>& calls);
  /// Applies one call's writes or none of them (payloads are copied: a
  /// retried transaction applies the same calls again).
  Result<std::vector<RecordWriteResult>> apply(std::vector<RecordWrite>& writes);
  /// Writes everything applied so far: superseded revisions closed, new ones
  /// inserted, the dataset's counters updated (3 statements at most).
  Status flush(Connection& c);

 private:
  struct Latest {
    Seq row_seq = 0;
    std::int64_t revision = 0;
    Seq created_seq = 0;
    Seq superseded_seq = 0;
    std::int64_t bytes = 0;
    Timestamp created_at = 0;
    long pending = -1;  ///< index in the insert list, or -1: in the database
    bool live() const { return superseded_seq == kSeqInfinity; }
  };
  struct Undo {
    std::string id;
    std::optional<Latest> before;
  };
  void rollback(std::vector<Undo>& undo, Seq seq, std::int64_t count, std::int64_t bytes, std::size_t inserts,
                std::size_t closes, std::vector<std::pair<std::size_t, Seq>>& reopened);

  const std::int64_t pk_;
  const Timestamp now_;
  Seq seq_;
  std::int64_t count_, bytes_;
  std::unordered_map<std::string, Latest> latest_;
  // the new revisions, column by column (sent as arrays)
  std::vector<std::string> ids_, payloads_, findings_;
  std::vector<std::int64_t> seqs_, superseded_, created_seqs_, revisions_, created_ats_;
  std::vector<bool> quarantined_;
  // revisions in the database that this batch supersedes: seq -> superseded at
  std::vector<std::int64_t> close_seqs_, close_to_;
  bool changed_ = false;
};

}  // namespace vault::storage::pg
