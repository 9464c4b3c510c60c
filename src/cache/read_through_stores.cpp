#include "vault/cache/read_through_stores.hpp"

#include "vault/core/base64.hpp"
#include "vault/core/stale_reads.hpp"

#include <boost/json.hpp>

namespace vault::cache {
namespace json = boost::json;
namespace {

// ---- the copies, as JSON (the payload base64: it is binary)

std::string encode(const storage::Dataset& d) {
  json::array tags;
  for (const auto& t : d.tags) tags.emplace_back(t);
  return json::serialize(json::object{{"id", d.id},
                                      {"tenant_id", d.tenant_id},
                                      {"name", d.name},
                                      {"description", d.description},
                                      {"tags", std::move(tags)},
                                      {"schema", d.schema_json},
                                      {"status", d.status},
                                      {"etag", d.etag},
                                      {"seq", d.seq},
                                      {"record_count", d.record_count},
                                      {"record_bytes", d.record_bytes},
                                      {"version_count", d.version_count},
                                      {"created_at", d.created_at},
                                      {"updated_at", d.updated_at},
                                      {"pii_policy", d.pii_policy}});
}

std::string encode(const storage::Record& r) {
  return json::serialize(json::object{{"id", r.id},
                                      {"revision", r.revision},
                                      {"seq", r.seq},
                                      {"created_seq", r.created_seq},
                                      {"payload", base64_encode(r.payload)},
                                      {"created_at", r.created_at},
                                      {"updated_at", r.updated_at},
                                      {"quarantined", r.quarantined},
                                      {"findings", r.findings}});
}

// A copy that does not decode (another version's format, damage) is no copy.
std::optional<storage::Dataset> decode_dataset(const std::string& s) {
  try {
    const json::object o = json::parse(s).as_object();
    storage::Dataset d;
    d.id = json::value_to<std::string>(o.at("id"));
    d.tenant_id = json::value_to<std::string>(o.at("tenant_id"));
    d.name = json::value_to<std::string>(o.at("name"));
    d.description = json::value_to<std::string>(o.at("description"));
    d.tags = json::value_to<std::vector<std::string>>(o.at("tags"));
    d.schema_json = json::value_to<std::string>(o.at("schema"));
    d.status = json::value_to<std::string>(o.at("status"));
    d.etag = o.at("etag").as_int64();
    d.seq = o.at("seq").as_int64();
    d.record_count = o.at("record_count").as_int64();
    d.record_bytes = o.at("record_bytes").as_int64();
    d.version_count = o.at("version_count").as_int64();
    d.created_at = o.at("created_at").as_int64();
    d.updated_at = o.at("updated_at").as_int64();
    d.pii_policy = json::value_to<std::string>(o.at("pii_policy"));
    return d;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<storage::Record> decode_record(const std::string& s) {
  try {
    const json::object o = json::parse(s).as_object();
    storage::Record r;
    r.id = json::value_to<std::string>(o.at("id"));
    r.revision = o.at("revision").as_int64();
    r.seq = o.at("seq").as_int64();
    r.created_seq = o.at("created_seq").as_int64();
    auto payload = base64_decode(o.at("payload").as_string());
    if (!payload) return std::nullopt;
    r.payload = std::move(*payload);
    r.created_at = o.at("created_at").as_int64();
    r.updated_at = o.at("updated_at").as_int64();
    r.quarantined = o.at("quarantined").as_bool();
    r.findings = json::value_to<std::string>(o.at("findings"));
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::int64_t version_of(const storage::Dataset& d) { return d.etag + d.seq; }

/// The answer to a read the store failed (`failed`): from the copy at `key`
/// when the store is unavailable and the copy decodes and `matches`, noted
/// as a stale read; else the store's own failure.
template <class T, class Decode, class Matches>
Result<T> from_copy(ReadCache& cache, const std::string& key, Result<T> failed, Decode decode, Matches matches) {
  if (!dependency_unavailable(failed.error().kind())) return failed;
  auto copy = cache.recall(key);
  if (!copy) return failed;
  std::optional<T> value = decode(copy->value);
  if (!value || !matches(*value)) return failed;
  stale_reads::note(copy->age);
  return std::move(*value);
}

}  // namespace

// ---- datasets

ReadThroughDatasetStore::ReadThroughDatasetStore(storage::DatasetStore& inner, ReadCache& cache)
    : inner_(inner), cache_(cache) {}

std::string ReadThroughDatasetStore::key(const std::string& tenant_id, const std::string& id) const {
  return cache_.prefix() + "d:" + tenant_id + ":" + id;
}

void ReadThroughDatasetStore::remember(const storage::Dataset& d, std::chrono::milliseconds min_interval) {
  std::string k = key(d.tenant_id, d.id);
  if (cache_.needs(k, version_of(d), min_interval)) cache_.remember(k, version_of(d), encode(d));
}

Result<storage::Dataset> ReadThroughDatasetStore::create_dataset(const storage::Dataset& d) {
  auto r = inner_.create_dataset(d);
  if (r) remember(*r, std::chrono::milliseconds(0));
  return r;
}

Result<storage::Dataset> ReadThroughDatasetStore::get_dataset(const std::string& tenant_id, const std::string& id) {
  auto r = inner_.get_dataset(tenant_id, id);
  if (r) {
    // Every record write moves the dataset's seq (its counters): a read
    // refreshes the copy at most once a second for that; creates, updates and
    // deletes write it at once.
    remember(*r, std::chrono::seconds(1));
    return r;
  }
  // The key names the tenant; the copy must agree (a copy is never another tenant's).
  return from_copy(cache_, key(tenant_id, id), std::move(r), decode_dataset,
                   [&](const storage::Dataset& d) { return d.tenant_id == tenant_id && d.id == id; });
}

Result<std::vector<storage::Dataset>> ReadThroughDatasetStore::list_datasets(const std::string& tenant_id,
                                                                            const storage::DatasetFilter& filter) {
  return inner_.list_datasets(tenant_id, filter);
}

Result<storage::Dataset> ReadThroughDatasetStore::update_dataset(const std::string& tenant_id, const std::string& id,
                                                                 const storage::DatasetPatch& patch,
                                                                 std::optional<std::int64_t> expected_etag) {
  auto r = inner_.update_dataset(tenant_id, id, patch, expected_etag);
  if (r) remember(*r, std::chrono::milliseconds(0));
  return r;
}

Status ReadThroughDatasetStore::delete_dataset(const std::string& tenant_id, const std::string& id) {
  auto s = inner_.delete_dataset(tenant_id, id);
  if (s) cache_.forget(key(tenant_id, id), kReadCacheForever);
  return s;
}

// ---- records

ReadThroughRecordStore::ReadThroughRecordStore(storage::RecordStore& inner, ReadCache& cache)
    : inner_(inner), cache_(cache) {}

std::string ReadThroughRecordStore::key(const std::string& tenant_id, const std::string& dataset_id,
                                        const std::string& record_id) const {
  return cache_.prefix() + "r:" + tenant_id + ":" + dataset_id + ":" + record_id;
}

Result<std::vector<storage::RecordWriteResult>> ReadThroughRecordStore::write_records(
    const std::string& tenant_id, const std::string& dataset_id, std::vector<storage::RecordWrite> writes) {
  std::vector<bool> deletes(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) deletes[i] = writes[i].op == storage::RecordWrite::Op::Delete;
  auto r = inner_.write_records(tenant_id, dataset_id, std::move(writes));
  if (!r) return r;
  for (std::size_t i = 0; i < r->size() && i < deletes.size(); ++i) {
    const storage::RecordWriteResult& w = (*r)[i];
    // A created record has no copy to hide (its id's earlier incarnation,
    // if any, was hidden when it was deleted): imports cost Redis nothing.
    if (deletes[i]) cache_.forget(key(tenant_id, dataset_id, w.id), w.seq);
    else if (!w.created) cache_.forget(key(tenant_id, dataset_id, w.id), w.seq - 1);
  }
  return r;
}

Result<storage::Record> ReadThroughRecordStore::get_record(const std::string& tenant_id,
                                                           const std::string& dataset_id,
                                                           const std::string& record_id,
                                                           std::optional<storage::Seq> as_of) {
  auto r = inner_.get_record(tenant_id, dataset_id, record_id, as_of);
  if (as_of) return r;  // a snapshot's revision: not the live one the copies are of
  const std::string k = key(tenant_id, dataset_id, record_id);
  if (r) {
    if (cache_.needs(k, r->seq)) cache_.remember(k, r->seq, encode(*r));
    return r;
  }
  return from_copy(cache_, k, std::move(r), decode_record,
                   [&](const storage::Record& rec) { return rec.id == record_id; });
}

Result<std::int64_t> ReadThroughRecordStore::last_revision(const std::string& tenant_id,
                                                           const std::string& dataset_id,
                                                           const std::string& record_id) {
  return inner_.last_revision(tenant_id, dataset_id, record_id);
}

Result<storage::RecordPage> ReadThroughRecordStore::list_records(const std::string& tenant_id,
                                                                 const std::string& dataset_id,
                                                                 std::optional<storage::Seq> as_of,
                                                                 std::optional<storage::Seq> after_created_seq,
                                                                 int limit, storage::RecordFilter filter) {
  return inner_.list_records(tenant_id, dataset_id, as_of, after_created_seq, limit, filter);
}

Result<storage::RecordPage> ReadThroughRecordStore::list_record_revisions(const std::string& tenant_id,
                                                                          const std::string& dataset_id,
                                                                          storage::Seq after_seq, int limit) {
  return inner_.list_record_revisions(tenant_id, dataset_id, after_seq, limit);
}

Result<std::int64_t> ReadThroughRecordStore::count_record_revisions(const std::string& tenant_id,
                                                                    const std::string& dataset_id) {
  return inner_.count_record_revisions(tenant_id, dataset_id);
}

Status ReadThroughRecordStore::rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                                      const std::string& record_id, storage::Seq seq,
                                                      std::string_view expected, std::string_view payload) {
  auto s = inner_.rewrite_record_payload(tenant_id, dataset_id, record_id, seq, expected, payload);
  if (s) cache_.drop(key(tenant_id, dataset_id, record_id), seq);
  return s;
}

Result<std::int64_t> ReadThroughRecordStore::rewrite_record_payloads(
    const std::string& tenant_id, const std::string& dataset_id, const std::vector<storage::PayloadRewrite>& rewrites) {
  auto n = inner_.rewrite_record_payloads(tenant_id, dataset_id, rewrites);
  if (n)
    for (const auto& w : rewrites) cache_.drop(key(tenant_id, dataset_id, w.record_id), w.seq);
  return n;
}

}  // namespace vault::cache
