#include "storage/sqlite_rows.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace vault::storage::sqlite {

Timestamp now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error unknown_column_value(std::string_view column, std::string_view text) {
  std::string msg = "sqlite: ";
  msg += column;
  msg += " holds an unknown value '";
  msg += text;
  msg += "'";
  return Error(ErrorKind::Database, std::move(msg));
}

std::string encode_tags(const std::vector<std::string>& tags) {
  boost::json::array a;
  a.reserve(tags.size());
  for (const auto& t : tags) a.emplace_back(t);
  return boost::json::serialize(a);
}

std::vector<std::string> decode_tags(std::string_view s) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(s, ec);
  if (ec || !v.is_array()) return out;  // written by encode_tags only (migration 6 converted older rows)
  for (const auto& t : v.get_array())
    if (t.is_string()) out.emplace_back(t.get_string());
  return out;
}

Dataset dataset_from(const Stmt& s) {
  Dataset d;
  d.id = s.text(1);
  d.tenant_id = s.text(2);
  d.name = s.text(3);
  d.description = s.text(4);
  d.tags = decode_tags(s.text(5));
  d.schema_json = s.text(6);
  d.status = s.text(7);
  d.etag = s.int64(8);
  d.seq = s.int64(9);
  d.record_count = s.int64(10);
  d.record_bytes = s.int64(11);
  d.version_count = s.int64(12);
  d.created_at = s.int64(13);
  d.updated_at = s.int64(14);
  d.pii_policy = s.text(15);
  return d;
}

Error dataset_not_found() { return Error(ErrorKind::DatasetNotFound, "dataset not found"); }

Result<DatasetRow> load_dataset(Connection& c, const std::string& tenant_id, const std::string& id) {
  static const std::string sql =
      std::string("SELECT ") + kDatasetColumns + " FROM datasets WHERE tenant_id=? AND id=?";
  auto st = c.prepare(sql);
  if (!st) return std::unexpected(st.error());
  st->bind(1, tenant_id).bind(2, id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(dataset_not_found());
  return DatasetRow{st->int64(0), dataset_from(*st)};
}

Record record_from(const Stmt& s) {
  Record r;
  r.id = s.text(0);
  r.revision = s.int64(1);
  r.seq = s.int64(2);
  r.created_seq = s.int64(3);
  r.payload = s.blob(4);
  r.created_at = s.int64(5);
  r.updated_at = s.int64(6);
  r.quarantined = s.int64(7) != 0;
  r.findings = s.text(8);
  return r;
}

Result<RecordPage> record_page(Stmt& st, int limit, Seq Record::*cursor) {
  RecordPage page;
  page.items.reserve(static_cast<std::size_t>(std::min(limit, 10000)));
  for (;;) {
    auto row = st.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_after = page.items.back().*cursor;
      break;
    }
    page.items.push_back(record_from(st));
  }
  return page;
}

Version version_from(const Stmt& s, const std::string& dataset_id) {
  Version v;
  v.dataset_id = dataset_id;
  v.number = s.int64(0);
  v.seq = s.int64(1);
  v.message = s.text(2);
  v.author_key_id = s.text(3);
  v.record_count = s.int64(4);
  v.record_bytes = s.int64(5);
  v.content_hash = s.text(6);
  v.created_at = s.int64(7);
  return v;
}

}  // namespace vault::storage::sqlite
