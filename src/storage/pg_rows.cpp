#include "storage/pg_rows.hpp"

namespace vault::storage::pg {

Dataset dataset_from(const Rows& r, int i) {
  Dataset d;
  d.id = r.text(i, 1);
  d.tenant_id = r.text(i, 2);
  d.name = r.text(i, 3);
  d.description = r.text(i, 4);
  d.tags = r.text_array(i, 5);
  d.schema_json = r.text(i, 6);
  d.status = r.text(i, 7);
  d.etag = r.int64(i, 8);
  d.seq = r.int64(i, 9);
  d.record_count = r.int64(i, 10);
  d.record_bytes = r.int64(i, 11);
  d.version_count = r.int64(i, 12);
  d.created_at = r.int64(i, 13);
  d.updated_at = r.int64(i, 14);
  d.pii_policy = r.text(i, 15);
  return d;
}

Error dataset_not_found() { return Error(ErrorKind::DatasetNotFound, "dataset not found"); }

Result<DatasetRow> load_dataset(Connection& c, const std::string& tenant_id, const std::string& id,
                                bool for_update) {
  static const std::string sql =
      std::string("SELECT ") + kDatasetColumns + " FROM datasets WHERE tenant_id=$1 AND id=$2";
  static const std::string locking = sql + " FOR UPDATE";
  auto r = c.query(for_update ? locking : sql, Params().text(tenant_id).text(id));
  if (!r) return std::unexpected(r.error());
  if (r->empty()) return std::unexpected(dataset_not_found());
  return DatasetRow{r->int64(0, 0), dataset_from(*r, 0)};
}

Record record_from(const Rows& r, int i) {
  Record rec;
  rec.id = r.text(i, 0);
  rec.revision = r.int64(i, 1);
  rec.seq = r.int64(i, 2);
  rec.created_seq = r.int64(i, 3);
  rec.payload = r.bytes(i, 4);
  rec.created_at = r.int64(i, 5);
  rec.updated_at = r.int64(i, 6);
  rec.quarantined = r.boolean(i, 7);
  rec.findings = r.text(i, 8);
  return rec;
}

RecordPage record_page(const Rows& rows, int limit, Seq Record::*cursor) {
  RecordPage page;
  const int n = std::min(rows.size(), limit);
  page.items.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) page.items.push_back(record_from(rows, i));
  if (rows.size() > limit && !page.items.empty()) page.next_after = page.items.back().*cursor;
  return page;
}

Version version_from(const Rows& r, int i, const std::string& dataset_id) {
  Version v;
  v.dataset_id = dataset_id;
  v.number = r.int64(i, 0);
  v.seq = r.int64(i, 1);
  v.message = r.text(i, 2);
  v.author_key_id = r.text(i, 3);
  v.record_count = r.int64(i, 4);
  v.record_bytes = r.int64(i, 5);
  v.content_hash = r.text(i, 6);
  v.created_at = r.int64(i, 7);
  return v;
}

}  // namespace vault::storage::pg
