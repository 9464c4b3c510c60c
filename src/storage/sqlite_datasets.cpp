// SqliteDatasetStore: the datasets table (records, versions and data keys
// reference it ON DELETE CASCADE).
#include "storage/sqlite_rows.hpp"
#include "storage/sqlite_stores.hpp"

#include <algorithm>

namespace vault::storage {

using sqlite::Connection;
using sqlite::exists;

namespace {

Status check_status(const std::string& status) {
  if (status == "active" || status == "archived") return {};
  return fail(ErrorKind::Validation, "dataset status must be \"active\" or \"archived\"",
              {{"field", "status"}});
}

/// Conflict when another dataset (pk != self_pk) of the tenant has `name`.
Status check_name_free(Connection& c, const std::string& tenant_id, const std::string& name,
                       std::int64_t self_pk) {
  auto st = c.prepare("SELECT 1 FROM datasets WHERE tenant_id=? AND name=? AND pk<>?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, tenant_id).bind(2, name).bind(3, self_pk);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (*row)
    return fail(ErrorKind::Conflict, "a dataset with this name already exists", {{"field", "name"}});
  return {};
}

}  // namespace

Result<Dataset> SqliteDatasetStore::create_dataset(const Dataset& d) {
  return db_.write<Dataset>([&](Connection& c) -> Result<Dataset> {
    if (auto s = check_status(d.status); !s) return std::unexpected(s.error());
    auto same_id = c.prepare("SELECT 1 FROM datasets WHERE tenant_id=? AND id=?");
    if (same_id) same_id->bind(1, d.tenant_id).bind(2, d.id);
    auto found = exists(same_id);
    if (!found) return std::unexpected(found.error());
    if (*found) return fail(ErrorKind::Conflict, "a dataset with this id already exists", {{"field", "id"}});
    if (auto s = check_name_free(c, d.tenant_id, d.name, -1); !s) return std::unexpected(s.error());
    const Timestamp now = sqlite::now_micros();
    auto ins = c.prepare(
        "INSERT INTO datasets(id, tenant_id, name, description, tags, schema_json, status, etag, seq, "
        "record_count, record_bytes, version_count, created_at, updated_at, pii_policy) "
        "VALUES(?,?,?,?,?,?,?,1,0,0,0,0,?,?,?)");
    if (!ins) return std::unexpected(ins.error());
    const std::string tags = sqlite::encode_tags(d.tags);
    auto s = ins->bind(1, d.id)
                 .bind(2, d.tenant_id)
                 .bind(3, d.name)
                 .bind(4, d.description)
                 .bind(5, tags)
                 .bind(6, d.schema_json)
                 .bind(7, d.status)
                 .bind(8, d.created_at ? d.created_at : now)
                 .bind(9, d.updated_at ? d.updated_at : now)
                 .bind(10, d.pii_policy)
                 .run();
    if (!s) return std::unexpected(s.error());
    auto row = sqlite::load_dataset(c, d.tenant_id, d.id);
    if (!row) return std::unexpected(row.error());
    return std::move(row->d);
  });
}

Result<Dataset> SqliteDatasetStore::get_dataset(const std::string& tenant_id, const std::string& id) {
  return db_.read<Dataset>([&](Connection& c) -> Result<Dataset> {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    return std::move(row->d);
  });
}

Result<std::vector<Dataset>> SqliteDatasetStore::list_datasets(const std::string& tenant_id,
                                                               const DatasetFilter& f) {
  if (f.limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  std::string sql = std::string("SELECT ") + sqlite::kDatasetColumns + " FROM datasets WHERE tenant_id=?1";
  if (f.tag) sql += " AND EXISTS(SELECT 1 FROM json_each(datasets.tags) WHERE value=?2)";
  if (f.status) sql += " AND status=?3";
  if (f.name_prefix) sql += " AND substr(name, 1, length(?4))=?4";
  if (f.after_id) sql += " AND id>?5";
  sql += " ORDER BY id LIMIT ?6";
  return db_.read<std::vector<Dataset>>([&](Connection& c) -> Result<std::vector<Dataset>> {
    auto st = c.prepare(sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, tenant_id);
    if (f.tag) st->bind(2, *f.tag);
    if (f.status) st->bind(3, *f.status);
    if (f.name_prefix) st->bind(4, *f.name_prefix);
    if (f.after_id) st->bind(5, *f.after_id);
    st->bind(6, f.limit);
    return sqlite::collect(st, sqlite::dataset_from);
  });
}

Result<Dataset> SqliteDatasetStore::update_dataset(const std::string& tenant_id, const std::string& id,
                                                   const DatasetPatch& patch,
                                                   std::optional<std::int64_t> expected_etag) {
  return db_.write<Dataset>([&](Connection& c) -> Result<Dataset> {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    Dataset& d = row->d;
    if (expected_etag && *expected_etag != d.etag)
      return fail(ErrorKind::ConcurrentModification, "the dataset was modified concurrently",
                  {{"expected_etag", *expected_etag}, {"actual_etag", d.etag}});
    if (patch.status) {
      if (auto s = check_status(*patch.status); !s) return std::unexpected(s.error());
      d.status = *patch.status;
    }
    if (patch.name && *patch.name != d.name) {
      if (auto s = check_name_free(c, tenant_id, *patch.name, row->pk); !s)
        return std::unexpected(s.error());
      d.name = *patch.name;
    }
    if (patch.description) d.description = *patch.description;
    if (patch.tags) d.tags = *patch.tags;
    if (patch.schema_json) d.schema_json = *patch.schema_json;
    if (patch.pii_policy) d.pii_policy = *patch.pii_policy;
    auto st = c.prepare(
        "UPDATE datasets SET name=?, description=?, tags=?, schema_json=?, status=?, "
        "etag=etag+1, updated_at=?, pii_policy=? WHERE pk=?");
    if (!st) return std::unexpected(st.error());
    const std::string tags = sqlite::encode_tags(d.tags);
    auto s = st->bind(1, d.name)
                 .bind(2, d.description)
                 .bind(3, tags)
                 .bind(4, d.schema_json)
                 .bind(5, d.status)
                 .bind(6, std::max(sqlite::now_micros(), d.updated_at))
                 .bind(7, d.pii_policy)
                 .bind(8, row->pk)
                 .run();
    if (!s) return std::unexpected(s.error());
    auto fresh = sqlite::load_dataset(c, tenant_id, id);
    if (!fresh) return std::unexpected(fresh.error());
    return std::move(fresh->d);
  });
}

Status SqliteDatasetStore::delete_dataset(const std::string& tenant_id, const std::string& id) {
  return db_.write<void>([&](Connection& c) -> Status {
    auto row = sqlite::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    auto st = c.prepare("DELETE FROM datasets WHERE pk=?");
    if (!st) return std::unexpected(st.error());
    return st->bind(1, row->pk).run();  // records and versions go by ON DELETE CASCADE
  });
}

}  // namespace vault::storage
