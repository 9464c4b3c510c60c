// KEK and DEK rotation job bodies (see key_rotation.hpp for the contract).
#include "key_rotation_jobs.hpp"

#include "vault/core/ids.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/domain/blob_payload_codec.hpp"
#include "vault/domain/seams.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

namespace vault::domain::keyjobs {
namespace {

constexpr int kMaxRecheckPasses = 20;

/// Sleeps `d` in small steps; false when asked to stop meanwhile.
bool pause(const Context& c, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (c.stop.load()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(20), d));
  }
  return !c.stop.load();
}

bool gone(const Error& e) {
  return e.kind() == ErrorKind::DatasetNotFound || e.kind() == ErrorKind::TenantNotFound;
}

// ------------------------------------------------------------------ KEK

/// Every dataset id of the tenant after `after`, in id order, page by page.
template <class F>
Status for_each_dataset(Context& c, const std::string& tenant, std::string after, F&& fn) {
  for (;;) {
    storage::DatasetFilter f;
    f.limit = c.options.page_size;
    if (!after.empty()) f.after_id = after;
    auto page = c.stores.datasets.list_datasets(tenant, f);
    if (!page) return std::unexpected(page.error());
    for (const auto& d : *page) {
      if (auto s = fn(d.id); !s) return s;
      after = d.id;
    }
    if (static_cast<int>(page->size()) < f.limit) return {};
  }
}

/// The dataset's DEKs that do not use KEK version `to`, rewrapped, appended
/// to `out` (written by flush_rewraps, a page of datasets at a time).
/// Returns how many keys the dataset has.
Result<std::int64_t> rewrap_dataset(Context& c, const storage::KeyJob& job, const std::string& dataset_id,
                                    std::vector<storage::DataKey>& out) {
  auto keys = c.stores.keys.list_data_keys(job.tenant_id, dataset_id);
  if (!keys) {
    if (gone(keys.error())) return 0;  // deleted meanwhile
    return std::unexpected(keys.error());
  }
  std::int64_t seen = 0;
  for (auto& k : *keys) {
    ++seen;
    if (k.wrapped.empty()) continue;  // shredded
    auto w = crypto::parse_wrapped_key(k.wrapped);
    if (!w) return std::unexpected(w.error());
    if (w->kek_version == static_cast<std::uint32_t>(job.to_version)) continue;
    auto nw = c.envelope.rewrap(job.tenant_id, *w);
    if (!nw) return std::unexpected(nw.error());
    k.kek_id = nw->kek_id;
    k.kek_version = nw->kek_version;
    k.wrapped = crypto::serialize_wrapped_key(*nw);
    out.push_back(std::move(k));
  }
  return seen;
}

/// Writes the rewraps collected so far in one transaction (keys of datasets
/// deleted meanwhile are skipped); returns how many were written.
Result<std::int64_t> flush_rewraps(Context& c, std::vector<storage::DataKey>& pending) {
  auto n = c.stores.keys.update_data_keys(pending);
  pending.clear();
  return n;
}

/// Rewraps the versions of one named tenant key. Returns (seen, rewrapped).
Result<std::pair<std::int64_t, std::int64_t>> rewrap_tenant_key(Context& c, const storage::KeyJob& job,
                                                                const std::string& name) {
  auto versions = c.stores.keys.list_tenant_keys(job.tenant_id, name);
  if (!versions) return std::unexpected(versions.error());
  std::int64_t seen = 0, changed = 0;
  for (auto& k : *versions) {
    ++seen;
    if (k.wrapped.empty()) continue;
    auto w = crypto::parse_wrapped_key(k.wrapped);
    if (!w) return std::unexpected(w.error());
    if (w->kek_version == static_cast<std::uint32_t>(job.to_version)) continue;
    auto nw = c.envelope.rewrap(job.tenant_id, *w);
    if (!nw) return std::unexpected(nw.error());
    k.wrapped = crypto::serialize_wrapped_key(*nw);
    if (auto s = c.stores.keys.update_tenant_key(k); !s) {
      if (s.error().kind() == ErrorKind::ResourceNotFound) continue;  // deleted meanwhile
      return std::unexpected(s.error());
    }
    ++changed;
  }
  return std::pair{seen, changed};
}

Result<std::vector<std::string>> tenant_key_names(Context& c, const std::string& tenant) {
  auto names = c.stores.keys.list_tenant_key_names(tenant);
  if (!names) return std::unexpected(names.error());
  std::vector<std::string> out;
  for (const auto& n : *names) out.push_back(n.name);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::int64_t> count_wrapped_keys(Context& c, const std::string& tenant) {
  std::int64_t n = 0;
  auto s = for_each_dataset(c, tenant, "", [&](const std::string& ds) -> Status {
    auto keys = c.stores.keys.list_data_keys(tenant, ds);
    if (keys) n += static_cast<std::int64_t>(keys->size());
    else if (!gone(keys.error())) return std::unexpected(keys.error());
    return {};
  });
  if (!s) return std::unexpected(s.error());
  auto names = tenant_key_names(c, tenant);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    auto v = c.stores.keys.list_tenant_keys(tenant, name);
    if (!v) return std::unexpected(v.error());
    n += static_cast<std::int64_t>(v->size());
  }
  return n;
}

/// One full pass over every wrapped key; returns how many it had to rewrap.
Result<std::int64_t> recheck_kek(Context& c, const storage::KeyJob& job) {
  std::int64_t changed = 0;
  std::vector<storage::DataKey> pending;
  int datasets = 0;
  auto s = for_each_dataset(c, job.tenant_id, "", [&](const std::string& ds) -> Status {
    auto r = rewrap_dataset(c, job, ds, pending);
    if (!r) return std::unexpected(r.error());
    if (++datasets % c.options.page_size == 0) {
      auto n = flush_rewraps(c, pending);
      if (!n) return std::unexpected(n.error());
      changed += *n;
    }
    return {};
  });
  if (!s) return std::unexpected(s.error());
  auto n = flush_rewraps(c, pending);
  if (!n) return std::unexpected(n.error());
  changed += *n;
  auto names = tenant_key_names(c, job.tenant_id);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    auto r = rewrap_tenant_key(c, job, name);
    if (!r) return std::unexpected(r.error());
    changed += r->second;
  }
  return changed;
}

// ------------------------------------------------------------------ DEK

/// Unwrapped DEKs of one dataset by version, for the job's lifetime.
class DekSet {
 public:
  DekSet(Context& c, const storage::KeyJob& job) : c_(c), job_(job) {}
  Result<std::shared_ptr<const crypto::DataKey>> get(std::uint32_t version) {
    if (auto it = keys_.find(version); it != keys_.end()) return it->second;
    auto rows = c_.stores.keys.list_data_keys(job_.tenant_id, job_.dataset_id);
    if (!rows) return std::unexpected(rows.error());
    for (const auto& k : *rows) {
      if (k.version != static_cast<std::int64_t>(version)) continue;
      if (k.wrapped.empty())
        return fail(ErrorKind::KeyRetrieval, "a revision is sealed under a shredded data key",
                    {{"dek_version", version}});
      auto w = crypto::parse_wrapped_key(k.wrapped);
      if (!w) return std::unexpected(w.error());
      auto dk = c_.envelope.data_key(job_.tenant_id, job_.dataset_id, version, *w);
      if (!dk) return std::unexpected(dk.error());
      keys_[version] = *dk;
      return *dk;
    }
    return fail(ErrorKind::KeyRetrieval, "no data key of this version for the dataset", {{"dek_version", version}});
  }

 private:
  Context& c_;
  const storage::KeyJob& job_;
  std::map<std::uint32_t, std::shared_ptr<const crypto::DataKey>> keys_;
};

/// The in-place rewrite that puts one revision under DEK `to`, or nullopt
/// when it already uses it (or is not envelope-sealed).
Result<std::optional<storage::PayloadRewrite>> reencrypt(const Context& c, const storage::KeyJob& job,
                                                         DekSet& keys, const storage::Record& r) {
  using Out = std::optional<storage::PayloadRewrite>;
  // A payload in the blob store: re-encrypted into a new blob, and the row's
  // reference swapped (the old blob stays, unreadable once the DEK is retired).
  const PayloadContext ctx{job.tenant_id, job.dataset_id, r.id, r.revision};
  std::string from_blob;
  if (is_blob_reference(r.payload)) {
    if (!c.blobs) return fail(ErrorKind::BlobStorage, "a record payload is in the blob store, which is not open");
    auto key = blob_key_of(ctx, r.payload);
    if (!key) return std::unexpected(key.error());
    auto sealed = c.blobs->get(*key);
    if (!sealed) return std::unexpected(sealed.error());
    from_blob = std::move(*sealed);
  }
  const std::string_view stored = is_blob_reference(r.payload) ? std::string_view(from_blob) : std::string_view(r.payload);
  auto h = crypto::parse_header(stored);
  if (!h || h->key_id != job.dataset_id) return Out{};  // stored before encryption was enabled
  const auto to = static_cast<std::uint32_t>(job.to_version);
  if (h->key_version == to) return Out{};
  auto old_key = keys.get(h->key_version);
  if (!old_key) return std::unexpected(old_key.error());
  auto new_key = keys.get(to);
  if (!new_key) return std::unexpected(new_key.error());
  const std::string rev = domain::revision_aad(r.revision);
  auto plain = crypto::open_record(**old_key, {job.tenant_id, job.dataset_id, r.id, rev}, stored);
  if (!plain)
    return fail(plain.error().kind(), "a record revision failed to decrypt during DEK rotation",
                {{"record_id", r.id}, {"seq", r.seq}});
  auto sealed = crypto::seal_record(**new_key, {job.tenant_id, job.dataset_id, r.id, rev}, *plain);
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!sealed) return std::unexpected(sealed.error());
  if (!from_blob.empty()) {
    auto ref = store_payload_blob(*c.blobs, ctx, *sealed);
    if (!ref) return std::unexpected(ref.error());
    return Out{storage::PayloadRewrite{r.id, r.seq, r.payload, std::move(*ref)}};
  }
  return Out{storage::PayloadRewrite{r.id, r.seq, r.payload, std::move(*sealed)}};
}

Result<std::int64_t> parse_seq(const std::string& cursor) {
  std::int64_t v = 0;
  if (cursor.empty()) return 0;
  auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), v);
  if (ec != std::errc() || p != cursor.data() + cursor.size())
    return fail(ErrorKind::Validation, "malformed key job cursor");
  return v;
}

}  // namespace

// ------------------------------------------------------------------ KEK job

Status begin_kek(Context& c, storage::KeyJob& job) {
  auto& kp = c.envelope.provider();
  if (auto s = kp.ensure_kek(job.tenant_id); !s) return s;
  if (job.to_version == 0) {
    auto from = kp.current_version(job.tenant_id);
    if (!from) return std::unexpected(from.error());
    auto to = kp.rotate(job.tenant_id);
    if (!to) return std::unexpected(to.error());
    job.from_version = *from;
    job.to_version = *to;
    if (c.kek_changed) c.kek_changed(job.tenant_id);
  }
  if (job.total == 0) {
    auto n = count_wrapped_keys(c, job.tenant_id);
    if (!n) return std::unexpected(n.error());
    job.total = *n;
  }
  return c.save(job);
}

Result<bool> run_kek(Context& c, storage::KeyJob& job) {
  if (job.cursor.empty() || job.cursor.starts_with("ds:")) {
    const std::string after = job.cursor.empty() ? "" : job.cursor.substr(3);
    bool stopped = false;
    // A page of datasets at a time: their rewraps in one transaction, then
    // the progress (a restart redoes at most the page that was not saved).
    std::vector<storage::DataKey> pending;
    std::int64_t seen = 0;
    int datasets = 0;
    std::string last;
    auto flush = [&]() -> Status {
      if (datasets == 0) return {};
      auto n = flush_rewraps(c, pending);
      if (!n) return std::unexpected(n.error());
      job.done += seen;
      job.cursor = "ds:" + last;
      seen = 0;
      datasets = 0;
      return c.save(job);
    };
    auto s = for_each_dataset(c, job.tenant_id, after, [&](const std::string& ds) -> Status {
      if (stopped) return {};
      auto r = rewrap_dataset(c, job, ds, pending);
      if (!r) return std::unexpected(r.error());
      seen += *r;
      last = ds;
      if (++datasets >= c.options.page_size) {
        if (auto f = flush(); !f) return f;
        if (c.stop.load()) stopped = true;
      }
      return {};
    });
    if (!s) return std::unexpected(s.error());
    if (auto f = flush(); !f) return std::unexpected(f.error());
    if (stopped) return false;
    job.cursor = "tk:";
  }
  if (job.cursor.starts_with("tk:")) {
    const std::string after = job.cursor.substr(3);
    auto names = tenant_key_names(c, job.tenant_id);
    if (!names) return std::unexpected(names.error());
    for (const auto& name : *names) {
      if (!after.empty() && name <= after) continue;
      auto r = rewrap_tenant_key(c, job, name);
      if (!r) return std::unexpected(r.error());
      job.done += r->first;
      job.cursor = "tk:" + name;
      if (auto sv = c.save(job); !sv) return std::unexpected(sv.error());
      if (c.stop.load()) return false;
    }
    job.cursor = "check";
    if (auto sv = c.save(job); !sv) return std::unexpected(sv.error());
  }
  // Writers that wrapped a new DEK with the old version just before the
  // rotation may have stored it after its dataset was scanned: re-check
  // until a full pass finds nothing, then retire.
  for (int pass = 0;; ++pass) {
    if (!pause(c, c.options.settle)) return false;
    auto changed = recheck_kek(c, job);
    if (!changed) return std::unexpected(changed.error());
    job.done += *changed;
    if (*changed == 0) break;
    if (pass + 1 >= kMaxRecheckPasses)
      return fail(ErrorKind::Conflict, "wrapped keys kept appearing under the old KEK version");
  }
  auto& kp = c.envelope.provider();
  auto versions = kp.versions(job.tenant_id);
  if (!versions) return std::unexpected(versions.error());
  bool retired = false;
  for (auto v : *versions)
    if (v < job.to_version) {
      if (auto s = kp.retire(job.tenant_id, v); !s) return std::unexpected(s.error());
      retired = true;
    }
  if (retired && c.kek_changed) c.kek_changed(job.tenant_id);
  job.total = std::max(job.total, job.done);
  job.done = job.total;
  return true;
}

// ------------------------------------------------------------------ DEK job

Status begin_dek(Context& c, storage::KeyJob& job) {
  auto keys = c.stores.keys.list_data_keys(job.tenant_id, job.dataset_id);
  if (!keys) return std::unexpected(keys.error());
  bool have = false;
  for (const auto& k : *keys) have = have || k.version == job.to_version;
  if (!have) {
    auto created = c.envelope.create_dek(job.tenant_id, job.dataset_id, static_cast<std::uint32_t>(job.to_version));
    if (!created) return std::unexpected(created.error());
    storage::DataKey row;
    row.tenant_id = job.tenant_id;
    row.dataset_id = job.dataset_id;
    row.version = job.to_version;
    row.kek_id = created->wrapped.kek_id;
    row.kek_version = created->wrapped.kek_version;
    row.wrapped = crypto::serialize_wrapped_key(created->wrapped);
    row.created_at = now_micros();
    if (auto s = c.stores.keys.put_data_key(row); !s) return s;  // never stored: never cached
    c.envelope.remember(job.tenant_id, job.dataset_id, created->key);
  }
  // The new version is the highest active one; older ones only decrypt now.
  for (auto k : *keys) {
    if (k.version == job.to_version || k.state != storage::DataKeyState::Active) continue;
    k.state = storage::DataKeyState::DecryptOnly;
    if (auto s = c.stores.keys.update_data_key(k); !s) return s;
  }
  if (c.dek_changed) c.dek_changed(job.tenant_id, job.dataset_id);
  if (job.total == 0) {
    auto n = c.stores.records.count_record_revisions(job.tenant_id, job.dataset_id);
    if (!n) return std::unexpected(n.error());
    job.total = *n;
  }
  return c.save(job);
}

Result<bool> run_dek(Context& c, storage::KeyJob& job) {
  auto after = parse_seq(job.cursor);
  if (!after) return std::unexpected(after.error());
  DekSet keys(c, job);
  // One scan in seq order covers revisions committed while it runs (they get
  // higher seqs); after the settle delay, revisions of writes that took the
  // old key just before the switch are caught by scanning on from the cursor.
  auto scan = [&]() -> Result<std::int64_t> {
    std::int64_t changed = 0;
    for (;;) {
      auto page =
          c.stores.records.list_record_revisions(job.tenant_id, job.dataset_id, *after, c.options.page_size);
      if (!page) return std::unexpected(page.error());
      std::vector<storage::PayloadRewrite> rewrites;
      for (const auto& r : page->items) {
        auto rw = reencrypt(c, job, keys, r);
        if (!rw) return std::unexpected(rw.error());
        if (*rw) rewrites.push_back(std::move(**rw));
      }
      if (page->items.empty()) return changed;
      // One transaction per page; compare-and-swap per revision (a revision
      // rewritten meanwhile is skipped: only rotation rewrites revisions).
      if (!rewrites.empty()) {
        auto n = c.stores.records.rewrite_record_payloads(job.tenant_id, job.dataset_id, rewrites);
        if (!n) return std::unexpected(n.error());
      }
      changed += static_cast<std::int64_t>(rewrites.size());
      job.done += static_cast<std::int64_t>(page->items.size());
      *after = page->items.back().seq;
      job.cursor = std::to_string(*after);
      if (auto sv = c.save(job); !sv) return std::unexpected(sv.error());
      if (c.stop.load()) return changed;
      if (!page->next_after) return changed;
    }
  };
  auto first = scan();
  if (!first) return std::unexpected(first.error());
  if (c.stop.load()) return false;
  for (int pass = 0;; ++pass) {
    if (!pause(c, c.options.settle)) return false;
    auto changed = scan();
    if (!changed) return std::unexpected(changed.error());
    if (c.stop.load()) return false;
    if (*changed == 0) break;
    if (pass + 1 >= kMaxRecheckPasses)
      return fail(ErrorKind::Conflict, "revisions kept appearing under the old data key");
  }
  // Retire and shred every older DEK: no stored revision references it.
  auto rows = c.stores.keys.list_data_keys(job.tenant_id, job.dataset_id);
  if (!rows) return std::unexpected(rows.error());
  for (auto k : *rows) {
    if (k.version == job.to_version || (k.state == storage::DataKeyState::Retired && k.wrapped.empty()))
      continue;
    k.state = storage::DataKeyState::Retired;
    k.wrapped.clear();
    if (auto s = c.stores.keys.update_data_key(k); !s) return std::unexpected(s.error());
  }
  c.envelope.forget_dataset(job.tenant_id, job.dataset_id);
  if (c.dek_changed) c.dek_changed(job.tenant_id, job.dataset_id);
  job.total = std::max(job.total, job.done);
  job.done = job.total;
  return true;
}

}  // namespace vault::domain::keyjobs
