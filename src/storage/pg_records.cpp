// PgRecordStore: MVCC revisions in the records table. A batch of writes costs
// a fixed number of statements whatever its size: the dataset row is locked,
// the latest revision of every id in the batch is read with one query, the
// batch is resolved in memory (the same rules as SqliteRecordStore, applied
// in order, an id may appear more than once), then the superseded revisions
// are closed with one UPDATE and the new ones inserted with one INSERT, both
// over unnest() of binary arrays.
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

#include <unordered_map>

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

/// The latest revision row of an id: in the database (pending < 0) or
/// inserted earlier in this batch (pending = index in the insert list).
struct Latest {
  Seq row_seq = 0;
  std::int64_t revision = 0;
  Seq created_seq = 0;
  Seq superseded_seq = 0;
  std::int64_t bytes = 0;
  Timestamp created_at = 0;
  long pending = -1;
  bool live() const { return superseded_seq == kSeqInfinity; }
};

struct NewRows {
  std::vector<std::string> ids, payloads, findings;
  std::vector<std::int64_t> seqs, superseded, created_seqs, revisions, created_ats, updated_ats;
  std::vector<bool> quarantined;
};

Error at_index(ErrorKind kind, std::string message, std::size_t index, boost::json::object extra = {}) {
  extra["index"] = static_cast<std::int64_t>(index);
  return Error(kind, std::move(message), std::move(extra));
}

Result<std::unordered_map<std::string, Latest>> load_latest(Connection& c, std::int64_t pk,
                                                            const std::vector<RecordWrite>& writes) {
  std::unordered_map<std::string, Latest> latest;
  std::vector<std::string> ids;
  ids.reserve(writes.size());
  for (const auto& w : writes)
    if (latest.emplace(w.id, Latest{}).second) ids.push_back(w.id);
  latest.clear();
  auto r = c.query(
      "SELECT l.record_id, l.seq, l.revision, l.created_seq, l.superseded_seq, octet_length(l.payload)::int8, "
      "l.created_at FROM unnest($2::text[]) AS i(id) CROSS JOIN LATERAL ("
      "SELECT * FROM records WHERE dataset_pk=$1 AND record_id=i.id ORDER BY superseded_seq DESC LIMIT 1) l",
      Params().int8(pk).text_array(ids));
  if (!r) return std::unexpected(r.error());
  for (int i = 0; i < r->size(); ++i)
    latest[r->text(i, 0)] =
        Latest{r->int64(i, 1), r->int64(i, 2), r->int64(i, 3), r->int64(i, 4), r->int64(i, 5), r->int64(i, 6), -1};
  return latest;
}

}  // namespace

Result<std::vector<RecordWriteResult>> PgRecordStore::write_records(const std::string& tenant_id,
                                                                    const std::string& dataset_id,
                                                                    std::vector<RecordWrite> writes) {
  using Out = std::vector<RecordWriteResult>;
  return db_.write<Out>(PgDatabase::dataset_partition(tenant_id, dataset_id), [&](Connection& c) -> Result<Out> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id, /*for_update=*/true);
    if (!ds) return std::unexpected(ds.error());
    if (ds->d.status == "archived")
      return fail(ErrorKind::DatasetArchived, "the dataset is archived; records cannot be changed");
    Out out;
    if (writes.empty()) return out;
    const std::int64_t pk = ds->pk;
    auto loaded = load_latest(c, pk, writes);
    if (!loaded) return std::unexpected(loaded.error());
    auto& latest_of = *loaded;

    const Timestamp now = pg::now_micros();
    Seq seq = ds->d.seq;
    std::int64_t count = ds->d.record_count;
    std::int64_t bytes = ds->d.record_bytes;
    NewRows ins;
    std::vector<std::int64_t> close_seqs, close_to;
    out.reserve(writes.size());
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const RecordWrite& w = writes[i];
      ++seq;
      auto it = latest_of.find(w.id);
      Latest* latest = it == latest_of.end() ? nullptr : &it->second;
      const bool live = latest && latest->live();

      using Op = RecordWrite::Op;
      if (w.op == Op::Insert && live)
        return std::unexpected(at_index(ErrorKind::Conflict, "a record with this id already exists", i));
      if ((w.op == Op::Replace || w.op == Op::Delete) && !live)
        return std::unexpected(at_index(ErrorKind::RecordNotFound, "record not found", i));
      if (live && w.expected_revision && (w.op == Op::Replace || w.op == Op::Delete) &&
          *w.expected_revision != latest->revision)
        return std::unexpected(at_index(ErrorKind::ConcurrentModification, "the record was modified concurrently", i,
                                        {{"expected_revision", *w.expected_revision},
                                         {"actual_revision", latest->revision}}));
      if (live) {
        if (latest->pending >= 0) {
          ins.superseded[static_cast<std::size_t>(latest->pending)] = seq;
        } else {
          close_seqs.push_back(latest->row_seq);
          close_to.push_back(seq);
        }
        latest->superseded_seq = seq;
        --count;
        bytes -= latest->bytes;
      }
      if (w.op == Op::Delete) {
        out.push_back(RecordWriteResult{w.id, latest->revision, seq, false});
        continue;
      }
      // A new incarnation after a delete continues the revision numbers, so an
      // ETag of the deleted record never matches the new one.
      const std::int64_t revision = latest ? latest->revision + 1 : 1;
      if (w.revision && *w.revision != revision)
        return std::unexpected(at_index(ErrorKind::ConcurrentModification, "the record was modified concurrently", i,
                                        {{"sealed_revision", *w.revision}, {"next_revision", revision}}));
      const Seq created_seq = live ? latest->created_seq : seq;
      const Timestamp created_at = live ? latest->created_at : now;
      const auto size = static_cast<std::int64_t>(w.payload.size());
      ins.ids.push_back(w.id);
      ins.seqs.push_back(seq);
      ins.superseded.push_back(kSeqInfinity);
      ins.created_seqs.push_back(created_seq);
      ins.revisions.push_back(revision);
      ins.payloads.push_back(std::move(writes[i].payload));
      ins.created_ats.push_back(created_at);
      ins.updated_ats.push_back(now);
      ins.quarantined.push_back(w.quarantined);
      ins.findings.push_back(w.findings);
      latest_of[w.id] =
          Latest{seq, revision, created_seq, kSeqInfinity, size, created_at, static_cast<long>(ins.ids.size() - 1)};
      ++count;
      bytes += size;
      out.push_back(RecordWriteResult{w.id, revision, seq, !live});
    }
    if (!close_seqs.empty()) {
      auto r = c.query(
          "UPDATE records SET superseded_seq=u.s FROM unnest($2::int8[], $3::int8[]) AS u(seq, s) "
          "WHERE records.dataset_pk=$1 AND records.seq=u.seq",
          Params().int8(pk).int8_array(close_seqs).int8_array(close_to));
      if (!r) return std::unexpected(r.error());
    }
    if (!ins.ids.empty()) {
      auto r = c.query(
          "INSERT INTO records(dataset_pk, record_id, seq, superseded_seq, created_seq, revision, payload, "
          "created_at, updated_at, quarantined, findings) SELECT $1, * FROM unnest($2::text[], $3::int8[], "
          "$4::int8[], $5::int8[], $6::int8[], $7::bytea[], $8::int8[], $9::int8[], $10::bool[], $11::text[])",
          Params()
              .int8(pk)
              .text_array(ins.ids)
              .int8_array(ins.seqs)
              .int8_array(ins.superseded)
              .int8_array(ins.created_seqs)
              .int8_array(ins.revisions)
              .bytea_array(ins.payloads)
              .int8_array(ins.created_ats)
              .int8_array(ins.updated_ats)
              .bool_array(ins.quarantined)
              .text_array(ins.findings));
      if (!r) return std::unexpected(r.error());
    }
    auto upd = c.query("UPDATE datasets SET seq=$1, record_count=$2, record_bytes=$3 WHERE pk=$4",
                       Params().int8(seq).int8(count).int8(bytes).int8(pk));
    if (!upd) return std::unexpected(upd.error());
    return out;
  });
}

Result<Record> PgRecordStore::get_record(const std::string& tenant_id, const std::string& dataset_id,
                                         const std::string& record_id, std::optional<Seq> as_of) {
  return db_.read<Record>([&](Connection& c) -> Result<Record> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string now_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND record_id=$2 AND superseded_seq=9223372036854775807";
    static const std::string as_of_sql = std::string("SELECT ") + pg::kRecordColumns +
                                         " FROM records WHERE dataset_pk=$1 AND record_id=$2 AND superseded_seq>$3 "
                                         "AND seq<=$3 ORDER BY superseded_seq LIMIT 1";
    Params p;
    p.int8(ds->pk).text(record_id);
    if (as_of) p.int8(*as_of);
    auto r = c.query(as_of ? as_of_sql : now_sql, p);
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::RecordNotFound, "record not found");
    return pg::record_from(*r, 0);
  });
}

Result<std::int64_t> PgRecordStore::last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                                  const std::string& record_id) {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto r = c.query("SELECT max(revision) FROM records WHERE dataset_pk=$1 AND record_id=$2",
                     Params().int8(ds->pk).text(record_id));
    if (!r) return std::unexpected(r.error());
    return r->empty() ? 0 : r->int64(0, 0);
  });
}

Result<RecordPage> PgRecordStore::list_records(const std::string& tenant_id, const std::string& dataset_id,
                                               std::optional<Seq> as_of, std::optional<Seq> after_created_seq,
                                               int limit, RecordFilter filter) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    // created_seq identifies one incarnation of one id, and at most one of its
    // revisions is live at any S: ordering by created_seq alone is total.
    // $4 selects by quarantine state: 0 visible, 1 quarantined, 2 all.
    static const std::string now_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND created_seq>$2 AND superseded_seq=9223372036854775807"
        " AND ($4=2 OR quarantined=($4=1)) ORDER BY created_seq LIMIT $3";
    static const std::string as_of_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND created_seq>$2 AND superseded_seq>$5 AND seq<=$5"
        " AND ($4=2 OR quarantined=($4=1)) ORDER BY created_seq LIMIT $3";
    Params p;
    p.int8(ds->pk).int8(after_created_seq.value_or(0)).int8(static_cast<std::int64_t>(limit) + 1);
    p.int8(filter == RecordFilter::Visible ? 0 : filter == RecordFilter::Quarantined ? 1 : 2);
    if (as_of) p.int8(*as_of);
    auto r = c.query(as_of ? as_of_sql : now_sql, p);
    if (!r) return std::unexpected(r.error());
    return pg::record_page(*r, limit, &Record::created_seq);
  });
}

}  // namespace vault::storage
