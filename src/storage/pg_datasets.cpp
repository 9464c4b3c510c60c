// PgDatasetStore: the datasets table (records, versions and data keys
// reference it ON DELETE CASCADE).
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

#include <algorithm>

namespace vault::storage {

using pg::Connection;
using pg::Params;

namespace {

Status check_status(const std::string& status) {
  if (status == "active" || status == "archived") return {};
  return fail(ErrorKind::Validation, "dataset status must be \"active\" or \"archived\"", {{"field", "status"}});
}

/// Conflict when another dataset (pk != self_pk) of the tenant has `name`.
Status check_name_free(Connection& c, const std::string& tenant_id, const std::string& name, std::int64_t self_pk) {
  auto r = c.query("SELECT 1 FROM datasets WHERE tenant_id=$1 AND name=$2 AND pk<>$3",
                   Params().text(tenant_id).text(name).int8(self_pk));
  if (!r) return std::unexpected(r.error());
  if (!r->empty()) return fail(ErrorKind::Conflict, "a dataset with this name already exists", {{"field", "name"}});
  return {};
}

}  // namespace

Result<Dataset> PgDatasetStore::create_dataset(const Dataset& d) {
  return db_.write<Dataset>([&](Connection& c) -> Result<Dataset> {
    if (auto s = check_status(d.status); !s) return std::unexpected(s.error());
    auto same_id = c.query("SELECT 1 FROM datasets WHERE tenant_id=$1 AND id=$2", Params().text(d.tenant_id).text(d.id));
    if (!same_id) return std::unexpected(same_id.error());
    if (!same_id->empty()) return fail(ErrorKind::Conflict, "a dataset with this id already exists", {{"field", "id"}});
    if (auto s = check_name_free(c, d.tenant_id, d.name, -1); !s) return std::unexpected(s.error());
    const Timestamp now = pg::now_micros();
    static const std::string sql =
        std::string(
            "INSERT INTO datasets(id, tenant_id, name, description, tags, schema_json, status, etag, seq, "
            "record_count, record_bytes, version_count, created_at, updated_at, pii_policy) "
            "VALUES($1,$2,$3,$4,$5,$6,$7,1,0,0,0,0,$8,$9,$10) RETURNING ") +
        pg::kDatasetColumns;
    auto r = c.query(sql, Params()
                              .text(d.id)
                              .text(d.tenant_id)
                              .text(d.name)
                              .text(d.description)
                              .text_array(d.tags)
                              .text(d.schema_json)
                              .text(d.status)
                              .int8(d.created_at ? d.created_at : now)
                              .int8(d.updated_at ? d.updated_at : now)
                              .text(d.pii_policy));
    if (!r) return std::unexpected(r.error());
    return pg::dataset_from(*r, 0);
  });
}

Result<Dataset> PgDatasetStore::get_dataset(const std::string& tenant_id, const std::string& id) {
  return db_.read<Dataset>([&](Connection& c) -> Result<Dataset> {
    auto row = pg::load_dataset(c, tenant_id, id);
    if (!row) return std::unexpected(row.error());
    return std::move(row->d);
  });
}

Result<std::vector<Dataset>> PgDatasetStore::list_datasets(const std::string& tenant_id, const DatasetFilter& f) {
  if (f.limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  // One statement per filter combination (each its own prepared plan); absent
  // filters are not sent.
  Params p;
  p.text(tenant_id);
  std::string sql = std::string("SELECT ") + pg::kDatasetColumns + " FROM datasets WHERE tenant_id=$1";
  auto next = [&] { return "$" + std::to_string(p.size() + 1); };
  if (f.tag) {
    sql += " AND " + next() + " = ANY(tags)";
    p.text(*f.tag);
  }
  if (f.status) {
    sql += " AND status=" + next();
    p.text(*f.status);
  }
  if (f.name_prefix) {
    sql += " AND starts_with(name, " + next() + ")";
    p.text(*f.name_prefix);
  }
  if (f.after_id) {
    sql += " AND id>" + next();
    p.text(*f.after_id);
  }
  sql += " ORDER BY id LIMIT " + next();
  p.int8(f.limit);
  return db_.read<std::vector<Dataset>>([&](Connection& c) -> Result<std::vector<Dataset>> {
    return pg::collect(c.query(sql, p), pg::dataset_from);
  });
}

Result<Dataset> PgDatasetStore::update_dataset(const std::string& tenant_id, const std::string& id,
                                               const DatasetPatch& patch, std::optional<std::int64_t> expected_etag) {
  return db_.write<Dataset>(PgDatabase::dataset_partition(tenant_id, id), [&](Connection& c) -> Result<Dataset> {
    auto row = pg::load_dataset(c, tenant_id, id, /*for_update=*/true);
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
      if (auto s = check_name_free(c, tenant_id, *patch.name, row->pk); !s) return std::unexpected(s.error());
      d.name = *patch.name;
    }
    if (patch.description) d.description = *patch.description;
    if (patch.tags) d.tags = *patch.tags;
    if (patch.schema_json) d.schema_json = *patch.schema_json;
    if (patch.pii_policy) d.pii_policy = *patch.pii_policy;
    static const std::string sql =
        std::string(
            "UPDATE datasets SET name=$1, description=$2, tags=$3, schema_json=$4, status=$5, "
            "etag=etag+1, updated_at=$6, pii_policy=$7 WHERE pk=$8 RETURNING ") +
        pg::kDatasetColumns;
    auto r = c.query(sql, Params()
                              .text(d.name)
                              .text(d.description)
                              .text_array(d.tags)
                              .text(d.schema_json)
                              .text(d.status)
                              .int8(std::max(pg::now_micros(), d.updated_at))
                              .text(d.pii_policy)
                              .int8(row->pk));
    if (!r) return std::unexpected(r.error());
    return pg::dataset_from(*r, 0);
  });
}

Status PgDatasetStore::delete_dataset(const std::string& tenant_id, const std::string& id) {
  return db_.write<void>(PgDatabase::dataset_partition(tenant_id, id), [&](Connection& c) -> Status {
    auto r = c.query("DELETE FROM datasets WHERE tenant_id=$1 AND id=$2", Params().text(tenant_id).text(id));
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return std::unexpected(pg::dataset_not_found());
    return {};  // records, versions and data keys go by ON DELETE CASCADE
  });
}

}  // namespace vault::storage
