#include "vault/cache/read_cache.hpp"

#include "cache/redis_script.hpp"

#include <charconv>
#include <vector>

namespace vault::cache {
namespace {

// An entry is "<version>|V<written at, unix ms>|<value>", a tombstone
// "<version>|T". KEYS[1] the key; ARGV[1] the version, ARGV[2] what follows
// the '|' ("D": delete, leaving nothing), ARGV[3] the TTL in ms. An entry
// replaces an older version or a same-version entry (a refresh), a tombstone
// or a deletion anything at its version or below. Returns 1 if written, 0 if
// Redis holds something newer.
constexpr const char* kScript = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  local v = sep and tonumber(string.sub(cur, 1, sep - 1))
  if v then
    local new = tonumber(ARGV[1])
    if v > new then return 0 end
    if v == new and string.sub(ARGV[2], 1, 1) == 'V' and string.sub(cur, sep + 1, sep + 1) == 'T' then return 0 end
  end
end
if ARGV[2] == 'D' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
end
return 1
)lua";

const RedisScript& script() {
  static const RedisScript s(kScript);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

ReadCache::ReadCache(RedisClient& redis, resilience::DependencyGuard& guard, ReadCacheOptions options,
                     obs::Logger log, const Clock& clock)
    : redis_(redis), guard_(guard), options_(std::move(options)), log_(std::move(log)), clock_(clock) {
  writer_ = std::thread([this] { run(); });
}

ReadCache::~ReadCache() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

bool ReadCache::supersedes(const Write& incoming, const Write& queued) {
  if (incoming.version != queued.version) return incoming.version > queued.version;
  return incoming.kind != Write::Kind::Entry || queued.kind == Write::Kind::Entry;
}

bool ReadCache::needs(const std::string& key, std::int64_t version, std::chrono::milliseconds min_interval) {
  std::lock_guard lk(mu_);
  if (auto q = queued_.find(key); q != queued_.end() && q->second.version >= version) return false;
  auto it = written_.find(key);
  if (it == written_.end()) return true;
  const auto age = clock_.steady_now() - it->second.at;
  if (age < min_interval) return false;
  return it->second.version != version || age >= options_.ttl / 2;
}

void ReadCache::enqueue(const std::string& key, Write w) {
  {
    std::lock_guard lk(mu_);
    auto it = queued_.find(key);
    if (it != queued_.end()) {
      if (supersedes(w, it->second)) it->second = std::move(w);
      return;
    }
    if (w.kind == Write::Kind::Entry && queued_.size() >= options_.max_queued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (w.kind != Write::Kind::Entry) written_.erase(key);
    queued_.emplace(key, std::move(w));
  }
  wake_.notify_one();
}

void ReadCache::remember(const std::string& key, std::int64_t version, std::string value) {
  enqueue(key, Write{version, Write::Kind::Entry, std::move(value)});
}

void ReadCache::forget(const std::string& key, std::int64_t version) {
  enqueue(key, Write{version, Write::Kind::Tombstone, {}});
}

void ReadCache::drop(const std::string& key, std::int64_t version) {
  enqueue(key, Write{version, Write::Kind::Drop, {}});
}

Result<bool> ReadCache::write(const std::string& key, const Write& w) {
  std::string tail = w.kind == Write::Kind::Tombstone ? std::string("T")
                     : w.kind == Write::Kind::Drop    ? std::string("D")
                                                      : "V" + std::to_string(clock_.unix_ms()) + "|" + w.value;
  const std::vector<std::string> keys{key};
  const std::vector<std::string> args{std::to_string(w.version), std::move(tail),
                                      std::to_string(options_.ttl.count())};
  auto r = guard_.call("read_cache_write", resilience::CallKind::IdempotentWrite,
                       [&] { return script().run(redis_, keys, args, "the read-cache script"); });
  if (!r) return std::unexpected(r.error());
  if (r->type != RedisReply::Type::Integer) return fail(ErrorKind::Cache, "redis: unexpected answer of the read-cache script");
  return r->integer == 1;
}

void ReadCache::run() {
  auto backoff = std::chrono::milliseconds(100);
  std::unique_lock lk(mu_);
  for (;;) {
    wake_.wait(lk, [&] { return stop_ || !queued_.empty(); });
    if (stop_) return;
    std::unordered_map<std::string, Write> batch;
    batch.swap(queued_);
    busy_ = true;
    lk.unlock();
    std::vector<std::pair<std::string, Write>> retry;
    std::vector<std::pair<std::string, std::int64_t>> done;
    std::optional<Error> failure;
    for (auto& [key, w] : batch) {
      const bool keep = w.kind != Write::Kind::Entry;  // tombstones and drops are retried
      if (failure && !keep) {  // Redis is not usable now: entries are dropped, not retried
        dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      auto r = write(key, w);
      if (!r) {
        if (!failure) failure = r.error();
        if (keep) retry.emplace_back(key, std::move(w));
        else dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      (*r ? written_count_ : refused_).fetch_add(1, std::memory_order_relaxed);
      if (!keep) done.emplace_back(key, w.version);
    }
    lk.lock();
    const auto now = clock_.steady_now();
    if (written_.size() > 200000) written_.clear();
    for (auto& [key, version] : done) written_[key] = Written{version, now};
    for (auto& [key, w] : retry) {
      auto it = queued_.find(key);
      if (it == queued_.end()) queued_.emplace(key, std::move(w));
      else if (supersedes(w, it->second)) it->second = std::move(w);
    }
    busy_ = false;
    idle_.notify_all();
    if (!failure) {
      backoff = std::chrono::milliseconds(100);
      continue;
    }
    if (!retry.empty())
      log_.warn("read cache: invalidations not written, retrying",
                {{"count", retry.size()}, {"code", error_code_string(failure->kind())},
                 {"backoff_ms", backoff.count()}});
    wake_.wait_for(lk, backoff, [&] { return stop_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

std::optional<CachedEntry> ReadCache::recall(const std::string& key) {
  auto r = guard_.call("read_cache_read", resilience::CallKind::Read,
                       [&]() -> Result<RedisReply> { return redis_.command({"GET", key}); });
  auto miss = [&]() -> std::optional<CachedEntry> {
    missed_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  };
  if (!r || r->type != RedisReply::Type::String) return miss();
  const std::string& s = r->str;
  // "<version>|V<unix ms>|<value>"
  const auto bar = s.find('|');
  if (bar == std::string::npos || bar + 1 >= s.size() || s[bar + 1] != 'V') return miss();
  const auto bar2 = s.find('|', bar + 2);
  if (bar2 == std::string::npos) return miss();
  auto version = parse_int(std::string_view(s).substr(0, bar));
  auto at = parse_int(std::string_view(s).substr(bar + 2, bar2 - bar - 2));
  if (!version || !at) return miss();
  served_.fetch_add(1, std::memory_order_relaxed);
  const auto age_ms = std::max<std::int64_t>(0, clock_.unix_ms() - *at);
  return CachedEntry{s.substr(bar2 + 1), *version, std::chrono::seconds(age_ms / 1000)};
}

void ReadCache::flush() {
  std::unique_lock lk(mu_);
  idle_.wait_for(lk, std::chrono::seconds(5), [&] { return queued_.empty() && !busy_; });
}

ReadCacheStats ReadCache::stats() const {
  return ReadCacheStats{written_count_.load(), refused_.load(), dropped_.load(), served_.load(), missed_.load()};
}

}  // namespace vault::cache
