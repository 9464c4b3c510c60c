// SqliteRecordStore: MVCC revisions in the records table.
#include "storage/sqlite_stores.hpp"
#include "storage/sqlite_rows.hpp"

namespace vault::storage {

using sqlite::Connection;

namespace {

/// The latest revision row of an id (current if superseded_seq is infinite,
/// else the revision a delete closed).
struct Latest {
  std::int64_t rowid = 0;
  std::int64_t revision = 0;
  Seq created_seq = 0;
  Seq superseded_seq = 0;
  std::int64_t bytes = 0;
  Timestamp created_at = 0;
  bool live() const { return superseded_seq == kSeqInfinity; }
};

Error at_index(ErrorKind kind, std::string message, std::size_t index, boost::json::object extra = {}) {
  extra["index"] = static_cast<std::int64_t>(index);
  return Error(kind, std::move(message), std::move(extra));
}

}  // namespace

Result<std::vector<RecordWriteResult>> SqliteRecordStore::write_records(
    const std::string& tenant_id, const std::string& dataset_id, std::vector<RecordWrite> writes) {
  using Out = std::vector<RecordWriteResult>;
  return db_.write<Out>([&](Connection& c) -> Result<Out> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    if (ds->d.status == "archived")
      return fail(ErrorKind::DatasetArchived, "the dataset is archived; records cannot be changed");
    auto find = c.prepare(
        "SELECT rowid, revision, created_seq, superseded_seq, length(payload), created_at FROM records "
        "WHERE dataset_pk=? AND record_id=? ORDER BY superseded_seq DESC LIMIT 1");
    if (!find) return std::unexpected(find.error());
    auto close = c.prepare("UPDATE records SET superseded_seq=? WHERE rowid=?");
    if (!close) return std::unexpected(close.error());
    auto insert = c.prepare(
        "INSERT INTO records(dataset_pk, record_id, seq, superseded_seq, created_seq, revision, "
        "payload, created_at, updated_at, quarantined, findings) "
        "VALUES(?,?,?,9223372036854775807,?,?,?,?,?,?,?)");
    if (!insert) return std::unexpected(insert.error());

    const std::int64_t pk = ds->pk;
    const Timestamp now = sqlite::now_micros();
    Seq seq = ds->d.seq;
    std::int64_t count = ds->d.record_count;
    std::int64_t bytes = ds->d.record_bytes;
    Out out;
    out.reserve(writes.size());
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const RecordWrite& w = writes[i];
      ++seq;
      std::optional<Latest> latest;
      find->bind(1, pk).bind(2, w.id);
      auto row = find->step();
      if (!row) return std::unexpected(row.error());
      if (*row)
        latest = Latest{find->int64(0), find->int64(1), find->int64(2),
                        find->int64(3), find->int64(4), find->int64(5)};
      find->reset();
      const bool live = latest && latest->live();

      using Op = RecordWrite::Op;
      if (w.op == Op::Insert && live)
        return std::unexpected(at_index(ErrorKind::Conflict, "a record with this id already exists", i));
      if ((w.op == Op::Replace || w.op == Op::Delete) && !live)
        return std::unexpected(at_index(ErrorKind::RecordNotFound, "record not found", i));
      if (live && w.expected_revision && (w.op == Op::Replace || w.op == Op::Delete) &&
          *w.expected_revision != latest->revision)
        return std::unexpected(at_index(ErrorKind::ConcurrentModification,
                                        "the record was modified concurrently", i,
                                        {{"expected_revision", *w.expected_revision},
                                         {"actual_revision", latest->revision}}));
      if (live) {
        if (auto s = close->bind(1, seq).bind(2, latest->rowid).run(); !s)
          return std::unexpected(s.error());
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
        return std::unexpected(at_index(ErrorKind::ConcurrentModification,
                                        "the record was modified concurrently", i,
                                        {{"sealed_revision", *w.revision}, {"next_revision", revision}}));
      const Seq created_seq = live ? latest->created_seq : seq;
      const Timestamp created_at = live ? latest->created_at : now;
      const std::string& payload = w.payload;
      auto s = insert->bind(1, pk)
                   .bind(2, w.id)
                   .bind(3, seq)
                   .bind(4, created_seq)
                   .bind(5, revision)
                   .bind_blob(6, payload)
                   .bind(7, created_at)
                   .bind(8, now)
                   .bind(9, w.quarantined ? 1 : 0)
                   .bind(10, w.findings)
                   .run();
      if (!s) return std::unexpected(s.error());
      ++count;
      bytes += static_cast<std::int64_t>(payload.size());
      out.push_back(RecordWriteResult{w.id, revision, seq, !live});
    }
    if (!writes.empty()) {
      auto upd = c.prepare("UPDATE datasets SET seq=?, record_count=?, record_bytes=? WHERE pk=?");
      if (!upd) return std::unexpected(upd.error());
      if (auto s = upd->bind(1, seq).bind(2, count).bind(3, bytes).bind(4, pk).run(); !s)
        return std::unexpected(s.error());
    }
    return out;
  });
}

Result<Record> SqliteRecordStore::get_record(const std::string& tenant_id, const std::string& dataset_id,
                                             const std::string& record_id, std::optional<Seq> as_of) {
  return db_.read<Record>([&](Connection& c) -> Result<Record> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string now_sql =
        std::string("SELECT ") + sqlite::kRecordColumns +
        " FROM records WHERE dataset_pk=?1 AND record_id=?2 AND superseded_seq=9223372036854775807";
    static const std::string as_of_sql =
        std::string("SELECT ") + sqlite::kRecordColumns +
        " FROM records WHERE dataset_pk=?1 AND record_id=?2 AND superseded_seq>?3 AND seq<=?3 "
        "ORDER BY superseded_seq LIMIT 1";
    auto st = c.prepare(as_of ? as_of_sql : now_sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, ds->pk).bind(2, record_id);
    if (as_of) st->bind(3, *as_of);
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorKind::RecordNotFound, "record not found");
    return sqlite::record_from(*st);
  });
}

Result<std::int64_t> SqliteRecordStore::last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                                      const std::string& record_id) {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto st = c.prepare("SELECT max(revision) FROM records WHERE dataset_pk=? AND record_id=?");
    if (!st) return std::unexpected(st.error());
    st->bind(1, ds->pk).bind(2, record_id);
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    return *row ? st->int64(0) : 0;
  });
}

Result<RecordPage> SqliteRecordStore::list_records(const std::string& tenant_id,
                                                   const std::string& dataset_id, std::optional<Seq> as_of,
                                                   std::optional<Seq> after_created_seq, int limit,
                                                   RecordFilter filter) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    // created_seq identifies one incarnation of one id, and at most one of its
    // revisions is live at any S: ordering by created_seq alone is total.
    // ?5 selects by quarantine state: 0 visible, 1 quarantined, 2 all.
    static const std::string now_sql =
        std::string("SELECT ") + sqlite::kRecordColumns +
        " FROM records WHERE dataset_pk=?1 AND created_seq>?2 AND superseded_seq=9223372036854775807"
        " AND (?5=2 OR quarantined=?5) ORDER BY created_seq LIMIT ?4";
    static const std::string as_of_sql =
        std::string("SELECT ") + sqlite::kRecordColumns +
        " FROM records WHERE dataset_pk=?1 AND created_seq>?2 AND superseded_seq>?3 AND seq<=?3"
        " AND (?5=2 OR quarantined=?5) ORDER BY created_seq LIMIT ?4";
    auto st = c.prepare(as_of ? as_of_sql : now_sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, ds->pk).bind(2, after_created_seq.value_or(0)).bind(4, static_cast<std::int64_t>(limit) + 1);
    st->bind(5, filter == RecordFilter::Visible ? 0 : filter == RecordFilter::Quarantined ? 1 : 2);
    if (as_of) st->bind(3, *as_of);
    return sqlite::record_page(*st, limit, &Record::created_seq);
  });
}

}  // namespace vault::storage
