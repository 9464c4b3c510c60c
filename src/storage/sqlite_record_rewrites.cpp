// SqliteRecordStore, key rotation support: every revision of a dataset and
// in-place payload rewrites (compare-and-swap, migration 4).
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_stores.hpp"

namespace vault::storage {

using sqlite::Connection;

Result<RecordPage> SqliteRecordStore::list_record_revisions(const std::string& tenant_id,
                                                            const std::string& dataset_id, Seq after_seq,
                                                            int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string sql = std::string("SELECT ") + sqlite::kRecordColumns +
                                   " FROM records WHERE dataset_pk=? AND seq>? ORDER BY seq LIMIT ?";
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, ds->pk).bind(2, after_seq).bind(3, static_cast<std::int64_t>(limit) + 1);
    return sqlite::record_page(*st, limit, &Record::seq);
  });
}

Result<std::int64_t> SqliteRecordStore::count_record_revisions(const std::string& tenant_id,
                                                               const std::string& dataset_id) {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto st = c.prepare("SELECT count(*) FROM records WHERE dataset_pk=?");
    if (st) st->bind(1, ds->pk);
    auto row = sqlite::exists(st);
    if (!row) return std::unexpected(row.error());
    return st->int64(0);
  });
}

namespace {

/// One CAS rewrite on the write connection: 1 rewritten, 0 no such revision,
/// -1 payload differs.
Result<int> rewrite_one(Connection& c, std::int64_t dataset_pk, const PayloadRewrite& w) {
  auto find = c.prepare(
      "SELECT rowid, payload, superseded_seq FROM records WHERE dataset_pk=? AND record_id=? AND seq=?");
  if (find) find->bind(1, dataset_pk).bind(2, w.record_id).bind(3, w.seq);
  auto found = sqlite::exists(find);
  if (!found) return std::unexpected(found.error());
  if (!*found) return 0;
  const std::int64_t rowid = find->int64(0);
  const std::string current = find->blob(1);
  const bool live = find->int64(2) == kSeqInfinity;
  find->reset();
  if (current != w.expected) return -1;
  auto upd = c.prepare("UPDATE records SET payload=? WHERE rowid=?");
  if (!upd) return std::unexpected(upd.error());
  if (auto s = upd->bind_blob(1, w.payload).bind(2, rowid).run(); !s) return std::unexpected(s.error());
  const auto delta = static_cast<std::int64_t>(w.payload.size()) - static_cast<std::int64_t>(current.size());
  if (live && delta != 0) {
    auto bytes = c.prepare("UPDATE datasets SET record_bytes=record_bytes+? WHERE pk=?");
    if (!bytes) return std::unexpected(bytes.error());
    if (auto s = bytes->bind(1, delta).bind(2, dataset_pk).run(); !s) return std::unexpected(s.error());
  }
  return 1;
}

}  // namespace

Status SqliteRecordStore::rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                                 const std::string& record_id, Seq seq,
                                                 std::string_view expected, std::string_view payload) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto r = rewrite_one(c, ds->pk, PayloadRewrite{record_id, seq, std::string(expected), std::string(payload)});
    if (!r) return std::unexpected(r.error());
    if (*r == 0) return fail(ErrorKind::RecordNotFound, "record revision not found", {{"seq", seq}});
    if (*r < 0)
      return fail(ErrorKind::ConcurrentModification, "the record revision was rewritten concurrently",
                  {{"seq", seq}});
    return {};
  });
}

Result<std::int64_t> SqliteRecordStore::rewrite_record_payloads(const std::string& tenant_id,
                                                                const std::string& dataset_id,
                                                                const std::vector<PayloadRewrite>& rewrites) {
  return db_.write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = sqlite::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    std::int64_t n = 0;
    for (const auto& w : rewrites) {
      auto r = rewrite_one(c, ds->pk, w);
      if (!r) return std::unexpected(r.error());
      n += *r > 0 ? 1 : 0;
    }
    return n;
  });
}

}  // namespace vault::storage
