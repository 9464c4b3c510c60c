#include "storage/pg_record_batch.hpp"

#include <unordered_set>

namespace vault::storage::pg {
namespace {

Error at_index(ErrorKind kind, std::string message, std::size_t index, boost::json::object extra = {}) {
  extra["index"] = static_cast<std::int64_t>(index);
  return Error(kind, std::move(message), std::move(extra));
}

}  // namespace

RecordBatch::RecordBatch(std::int64_t dataset_pk, const Dataset& d, Timestamp now)
    : pk_(dataset_pk), now_(now), seq_(d.seq), count_(d.record_count), bytes_(d.record_bytes) {}

Status RecordBatch::load(Connection& c, const std::vector<const std::vector<RecordWrite>*>& calls) {
  std::unordered_set<std::string> seen;
  std::vector<std::string> ids;
  for (const auto* writes : calls)
    for (const auto& w : *writes)
      if (seen.insert(w.id).second) ids.push_back(w.id);
  if (ids.empty()) return {};
  auto r = c.query(
      "SELECT l.record_id, l.seq, l.revision, l.created_seq, l.superseded_seq, octet_length(l.payload)::int8, "
      "l.created_at FROM unnest($2::text[]) AS i(id) CROSS JOIN LATERAL ("
      "SELECT * FROM records WHERE dataset_pk=$1 AND record_id=i.id ORDER BY superseded_seq DESC LIMIT 1) l",
      Params().int8(pk_).text_array(ids));
  if (!r) return std::unexpected(r.error());
  for (int i = 0; i < r->size(); ++i)
    latest_[r->text(i, 0)] =
        Latest{r->int64(i, 1), r->int64(i, 2), r->int64(i, 3), r->int64(i, 4), r->int64(i, 5), r->int64(i, 6), -1};
  return {};
}

void RecordBatch::rollback(std::vector<Undo>& undo, Seq seq, std::int64_t count, std::int64_t bytes,
                           std::size_t inserts, std::size_t closes,
                           std::vector<std::pair<std::size_t, Seq>>& reopened) {
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->before) latest_[it->id] = *it->before;
    else latest_.erase(it->id);
  }
  for (auto it = reopened.rbegin(); it != reopened.rend(); ++it) superseded_[it->first] = it->second;
  seq_ = seq;
  count_ = count;
  bytes_ = bytes;
  for (auto* v : {&ids_, &payloads_, &findings_}) v->resize(inserts);
  for (auto* v : {&seqs_, &superseded_, &created_seqs_, &revisions_, &created_ats_}) v->resize(inserts);
  quarantined_.resize(inserts);
  close_seqs_.resize(closes);
  close_to_.resize(closes);
}

Result<std::vector<RecordWriteResult>> RecordBatch::apply(std::vector<RecordWrite>& writes) {
  const Seq seq0 = seq_;
  const std::int64_t count0 = count_, bytes0 = bytes_;
  const std::size_t inserts0 = ids_.size(), closes0 = close_seqs_.size();
  std::vector<Undo> undo;
  std::vector<std::pair<std::size_t, Seq>> reopened;  // pending rows this call closed: index, old superseded
  auto failed = [&](Error e) -> Result<std::vector<RecordWriteResult>> {
    rollback(undo, seq0, count0, bytes0, inserts0, closes0, reopened);
    return std::unexpected(std::move(e));
  };
  std::vector<RecordWriteResult> out;
  out.reserve(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    RecordWrite& w = writes[i];
    ++seq_;
    auto it = latest_.find(w.id);
    undo.push_back(Undo{w.id, it == latest_.end() ? std::nullopt : std::optional<Latest>(it->second)});
    Latest* latest = it == latest_.end() ? nullptr : &it->second;
    const bool live = latest && latest->live();

    using Op = RecordWrite::Op;
    if (w.op == Op::Insert && live) return failed(at_index(ErrorKind::Conflict, "a record with this id already exists", i));
    if ((w.op == Op::Replace || w.op == Op::Delete) && !live)
      return failed(at_index(ErrorKind::RecordNotFound, "record not found", i));
    if (live && w.expected_revision && (w.op == Op::Replace || w.op == Op::Delete) &&
        *w.expected_revision != latest->revision)
      return failed(at_index(ErrorKind::ConcurrentModification, "the record was modified concurrently", i,
                             {{"expected_revision", *w.expected_revision}, {"actual_revision", latest->revision}}));
    if (live) {
      if (latest->pending >= 0) {
        const auto at = static_cast<std::size_t>(latest->pending);
        reopened.emplace_back(at, superseded_[at]);
        superseded_[at] = seq_;
      } else {
        close_seqs_.push_back(latest->row_seq);
        close_to_.push_back(seq_);
      }
      latest->superseded_seq = seq_;
      --count_;
      bytes_ -= latest->bytes;
    }
    if (w.op == Op::Delete) {
      out.push_back(RecordWriteResult{w.id, latest->revision, seq_, false});
      continue;
    }
    // A new incarnation after a delete continues the revision numbers, so an
    // ETag of the deleted record never matches the new one.
    const std::int64_t revision = latest ? latest->revision + 1 : 1;
    if (w.revision && *w.revision != revision)
      return failed(at_index(ErrorKind::ConcurrentModification, "the record was modified concurrently", i,
                             {{"sealed_revision", *w.revision}, {"next_revision", revision}}));
    const Seq created_seq = live ? latest->created_seq : seq_;
    const Timestamp created_at = live ? latest->created_at : now_;
    const auto size = static_cast<std::int64_t>(w.payload.size());
    ids_.push_back(w.id);
    seqs_.push_back(seq_);
    superseded_.push_back(kSeqInfinity);
    created_seqs_.push_back(created_seq);
    revisions_.push_back(revision);
    payloads_.push_back(w.payload);
    created_ats_.push_back(created_at);
    quarantined_.push_back(w.quarantined);
    findings_.push_back(w.findings);
    latest_[w.id] =
        Latest{seq_, revision, created_seq, kSeqInfinity, size, created_at, static_cast<long>(ids_.size() - 1)};
    ++count_;
    bytes_ += size;
    out.push_back(RecordWriteResult{w.id, revision, seq_, !live});
  }
  changed_ = changed_ || !writes.empty();
  return out;
}

Status RecordBatch::flush(Connection& c) {
  if (!changed_) return {};
  if (!close_seqs_.empty()) {
    auto r = c.query(
        "UPDATE records SET superseded_seq=u.s FROM unnest($2::int8[], $3::int8[]) AS u(seq, s) "
        "WHERE records.dataset_pk=$1 AND records.seq=u.seq",
        Params().int8(pk_).int8_array(close_seqs_).int8_array(close_to_));
    if (!r) return std::unexpected(r.error());
  }
  if (!ids_.empty()) {
    const std::vector<std::int64_t> updated_ats(ids_.size(), now_);
    auto r = c.query(
        "INSERT INTO records(dataset_pk, record_id, seq, superseded_seq, created_seq, revision, payload, "
        "created_at, updated_at, quarantined, findings) SELECT $1, * FROM unnest($2::text[], $3::int8[], "
        "$4::int8[], $5::int8[], $6::int8[], $7::bytea[], $8::int8[], $9::int8[], $10::bool[], $11::text[])",
        Params()
            .int8(pk_)
            .text_array(ids_)
            .int8_array(seqs_)
            .int8_array(superseded_)
            .int8_array(created_seqs_)
            .int8_array(revisions_)
            .bytea_array(payloads_)
            .int8_array(created_ats_)
            .int8_array(updated_ats)
            .bool_array(quarantined_)
            .text_array(findings_));
    if (!r) return std::unexpected(r.error());
  }
  auto upd = c.query("UPDATE datasets SET seq=$1, record_count=$2, record_bytes=$3 WHERE pk=$4",
                     Params().int8(seq_).int8(count_).int8(bytes_).int8(pk_));
  if (!upd) return std::unexpected(upd.error());
  return {};
}

}  // namespace vault::storage::pg
