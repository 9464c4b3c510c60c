// PgRecordStore, key rotation support: every revision of a dataset and
// in-place payload rewrites (compare-and-swap).
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

namespace vault::storage {

using pg::Connection;
using pg::Params;

Result<RecordPage> PgRecordStore::list_record_revisions(const std::string& tenant_id, const std::string& dataset_id,
                                                        Seq after_seq, int limit) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string sql = std::string("SELECT ") + pg::kRecordColumns +
                                   " FROM records WHERE dataset_pk=$1 AND seq>$2 ORDER BY seq LIMIT $3";
    auto r = c.query(sql, Params().int8(ds->pk).int8(after_seq).int8(static_cast<std::int64_t>(limit) + 1));
    if (!r) return std::unexpected(r.error());
    return pg::record_page(*r, limit, &Record::seq);
  });
}

Result<std::int64_t> PgRecordStore::count_record_revisions(const std::string& tenant_id,
                                                           const std::string& dataset_id) {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto r = c.query("SELECT count(*) FROM records WHERE dataset_pk=$1", Params().int8(ds->pk));
    if (!r) return std::unexpected(r.error());
    return r->int64(0, 0);
  });
}

namespace {

/// One CAS rewrite: 1 rewritten, 0 no such revision, -1 payload differs.
Result<int> rewrite_one(Connection& c, std::int64_t dataset_pk, const PayloadRewrite& w) {
  auto found = c.query(
      "SELECT payload, superseded_seq FROM records WHERE dataset_pk=$1 AND record_id=$2 AND seq=$3 FOR UPDATE",
      Params().int8(dataset_pk).text(w.record_id).int8(w.seq));
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return 0;
  const std::string current = found->bytes(0, 0);
  const bool live = found->int64(0, 1) == kSeqInfinity;
  if (current != w.expected) return -1;
  auto upd = c.query("UPDATE records SET payload=$3 WHERE dataset_pk=$1 AND seq=$2",
                     Params().int8(dataset_pk).int8(w.seq).bytea(w.payload));
  if (!upd) return std::unexpected(upd.error());
  const auto delta = static_cast<std::int64_t>(w.payload.size()) - static_cast<std::int64_t>(current.size());
  if (live && delta != 0) {
    auto bytes = c.query("UPDATE datasets SET record_bytes=record_bytes+$1 WHERE pk=$2",
                         Params().int8(delta).int8(dataset_pk));
    if (!bytes) return std::unexpected(bytes.error());
  }
  return 1;
}

}  // namespace

Status PgRecordStore::rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                             const std::string& record_id, Seq seq, std::string_view expected,
                                             std::string_view payload) {
  return db_.write<void>(PgDatabase::dataset_partition(tenant_id, dataset_id), [&](Connection& c) -> Status {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id, /*for_update=*/true);
    if (!ds) return std::unexpected(ds.error());
    auto r = rewrite_one(c, ds->pk, PayloadRewrite{record_id, seq, std::string(expected), std::string(payload)});
    if (!r) return std::unexpected(r.error());
    if (*r == 0) return fail(ErrorKind::RecordNotFound, "record revision not found", {{"seq", seq}});
    if (*r < 0)
      return fail(ErrorKind::ConcurrentModification, "the record revision was rewritten concurrently", {{"seq", seq}});
    return {};
  });
}

Result<std::int64_t> PgRecordStore::rewrite_record_payloads(const std::string& tenant_id,
                                                            const std::string& dataset_id,
                                                            const std::vector<PayloadRewrite>& rewrites) {
  return db_.write<std::int64_t>(PgDatabase::dataset_partition(tenant_id, dataset_id), [&](Connection& c) -> Result<std::int64_t> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id, /*for_update=*/true);
    if (!ds) return std::unexpected(ds.error());
    if (rewrites.empty()) return std::int64_t{0};
    // One statement for the batch: rewrite where the stored payload is the
    // expected one; the live revisions' size change goes to record_bytes.
    std::vector<std::string> ids, expected, payloads;
    std::vector<std::int64_t> seqs;
    for (const auto& w : rewrites) {
      ids.push_back(w.record_id);
      seqs.push_back(w.seq);
      expected.push_back(w.expected);
      payloads.push_back(w.payload);
    }
    auto r = c.query(
        "WITH u AS (UPDATE records SET payload=w.payload "
        "FROM unnest($2::text[], $3::int8[], $4::bytea[], $5::bytea[]) AS w(record_id, seq, expected, payload) "
        "WHERE records.dataset_pk=$1 AND records.seq=w.seq AND records.record_id=w.record_id "
        "AND records.payload=w.expected "
        "RETURNING records.superseded_seq, octet_length(w.payload) - octet_length(w.expected) AS delta) "
        "SELECT count(*), coalesce(sum(delta) FILTER (WHERE superseded_seq=9223372036854775807), 0)::int8 FROM u",
        Params().int8(ds->pk).text_array(ids).int8_array(seqs).bytea_array(expected).bytea_array(payloads));
    if (!r) return std::unexpected(r.error());
    const std::int64_t n = r->int64(0, 0), delta = r->int64(0, 1);
    if (delta != 0) {
      auto bytes =
          c.query("UPDATE datasets SET record_bytes=record_bytes+$1 WHERE pk=$2", Params().int8(delta).int8(ds->pk));
      if (!bytes) return std::unexpected(bytes.error());
    }
    return n;
  });
}

}  // namespace vault::storage
