#include "vault/domain/dataset_service.hpp"

#include "vault/core/ids.hpp"
#include "vault/domain/cursor.hpp"
#include "vault/domain/json_schema.hpp"
#include "vault/domain/pii_service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace vault::domain {
namespace {

constexpr std::string_view kCursorKind = "ds";

Status check_id(const std::string& id) {
  if (!is_valid_id(id, "ds"))
    return fail(ErrorKind::InvalidIdentifier, "dataset id is malformed (expected ds_ followed by 26 characters)",
                {{"field", "dataset_id"}});
  return {};
}

Status validate_tags(const std::vector<std::string>& tags) {
  if (tags.size() > 64) return fail(ErrorKind::Validation, "at most 64 tags", {{"field", "tags"}});
  for (const auto& t : tags)
    if (t.empty() || t.size() > 64 || t.find(',') != std::string::npos)
      return fail(ErrorKind::Validation, "tags must be 1-64 characters without commas",
                  {{"field", "tags"}});
  return {};
}

Result<std::string> compile_schema_text(const std::optional<boost::json::value>& schema) {
  if (!schema || schema->is_null()) return std::string();
  auto compiled = JsonSchema::compile(*schema);
  if (!compiled) {
    Error e = compiled.error();
    e.details()["field"] = "schema";
    return std::unexpected(e);
  }
  return boost::json::serialize(*schema);
}

/// "" for none/null, else the policy's canonical JSON (Validation naming the field).
Result<std::string> policy_text(const std::optional<boost::json::value>& policy) {
  if (!policy || policy->is_null()) return std::string();
  return PiiService::canonical_policy(*policy);
}

}  // namespace

DatasetService::DatasetService(storage::DatasetStore& store, KeyEvents& events) : store_(store), events_(events) {}
DatasetService::~DatasetService() = default;

Status DatasetService::validate_name(const std::string& n) {
  const bool ok = !n.empty() && n.size() <= 128 && std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
  if (!ok)
    return fail(ErrorKind::Validation, "dataset name must be 1-128 characters of [A-Za-z0-9._-]",
                {{"field", "name"}});
  return {};
}

Result<storage::Dataset> DatasetService::create(const std::string& tenant_id, const NewDataset& in) {
  if (auto s = validate_name(in.name); !s) return std::unexpected(s.error());
  if (in.description.size() > 4096)
    return fail(ErrorKind::Validation, "description is limited to 4096 bytes", {{"field", "description"}});
  if (auto s = validate_tags(in.tags); !s) return std::unexpected(s.error());
  auto schema = compile_schema_text(in.schema);
  if (!schema) return std::unexpected(schema.error());
  storage::Dataset d;
  d.id = new_id("ds");
  d.tenant_id = tenant_id;
  d.name = in.name;
  d.description = in.description;
  d.tags = in.tags;
  d.schema_json = *schema;
  auto policy = policy_text(in.pii_policy);
  if (!policy) return std::unexpected(policy.error());
  d.pii_policy = std::move(*policy);
  d.created_at = d.updated_at = now_micros();
  return store_.create_dataset(d);
}

Result<storage::Dataset> DatasetService::get(const std::string& tenant_id, const std::string& id) {
  if (auto s = check_id(id); !s) return std::unexpected(s.error());
  return store_.get_dataset(tenant_id, id);
}

Result<DatasetPage> DatasetService::list(const std::string& tenant_id, const DatasetListQuery& q) {
  storage::DatasetFilter f;
  f.tag = q.tag;
  f.status = q.status;
  f.name_prefix = q.name_prefix;
  f.limit = q.limit + 1;
  if (q.cursor) {
    auto after = decode_cursor(kCursorKind, *q.cursor);
    if (!after) return std::unexpected(after.error());
    f.after_id = *after;
  }
  auto rows = store_.list_datasets(tenant_id, f);
  if (!rows) return std::unexpected(rows.error());
  DatasetPage page;
  page.items = std::move(*rows);
  if (static_cast<int>(page.items.size()) > q.limit) {
    page.items.resize(q.limit);
    page.next_cursor = encode_cursor(kCursorKind, page.items.back().id);
  }
  return page;
}

Result<storage::Dataset> DatasetService::update(const std::string& tenant_id, const std::string& id,
                                                const DatasetUpdate& in,
                                                std::optional<std::int64_t> if_match) {
  if (auto s = check_id(id); !s) return std::unexpected(s.error());
  storage::DatasetPatch p;
  if (in.name) {
    if (auto s = validate_name(*in.name); !s) return std::unexpected(s.error());
    p.name = in.name;
  }
  if (in.description) {
    if (in.description->size() > 4096)
      return fail(ErrorKind::Validation, "description is limited to 4096 bytes", {{"field", "description"}});
    p.description = in.description;
  }
  if (in.tags) {
    if (auto s = validate_tags(*in.tags); !s) return std::unexpected(s.error());
    p.tags = in.tags;
  }
  if (in.schema) {
    auto schema = compile_schema_text(*in.schema);
    if (!schema) return std::unexpected(schema.error());
    p.schema_json = *schema;
  }
  if (in.pii_policy) {
    auto policy = policy_text(*in.pii_policy);
    if (!policy) return std::unexpected(policy.error());
    p.pii_policy = std::move(*policy);
  }
  return store_.update_dataset(tenant_id, id, p, if_match);
}

Result<storage::Dataset> DatasetService::set_status(const std::string& tenant_id,
                                                    const std::string& id, const std::string& status) {
  if (auto s = check_id(id); !s) return std::unexpected(s.error());
  storage::DatasetPatch p;
  p.status = status;
  return store_.update_dataset(tenant_id, id, p, std::nullopt);
}

Status DatasetService::remove(const std::string& tenant_id, const std::string& id) {
  if (auto s = check_id(id); !s) return s;
  if (auto s = store_.delete_dataset(tenant_id, id); !s) return s;
  events_.dataset_keys_changed(tenant_id, id);
  std::lock_guard lk(mu_);
  schemas_.erase(id);
  return {};
}

Result<std::shared_ptr<const JsonSchema>> DatasetService::schema_of(const storage::Dataset& d) {
  if (d.schema_json.empty()) return std::shared_ptr<const JsonSchema>();
  {
    std::lock_guard lk(mu_);
    if (auto it = schemas_.find(d.id); it != schemas_.end() && it->second.first == d.etag)
      return it->second.second;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(d.schema_json, ec);
  if (ec) return fail(ErrorKind::Integrity, "stored dataset schema is corrupt");
  auto compiled = JsonSchema::compile(v);
  if (!compiled) return std::unexpected(compiled.error());
  auto ptr = std::make_shared<const JsonSchema>(std::move(*compiled));
  std::lock_guard lk(mu_);
  if (schemas_.size() > 4096) schemas_.clear();
  schemas_[d.id] = {d.etag, ptr};
  return ptr;
}

}  // namespace vault::domain
