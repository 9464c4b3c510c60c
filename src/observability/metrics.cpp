#include "vault/observability/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace vault::metrics {
namespace {

constexpr char kSep = '\xff';  // never part of valid UTF-8: safe key separator

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.starts_with("__")) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void atomic_add(std::atomic<double>& a, double v) noexcept {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

std::string_view type_name(MetricType t) {
  switch (t) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

/// `{a="x",b="y"` without the closing brace (so "le" can be appended).
void append_labels_open(std::string& out, const std::vector<std::string>& names,
                        const std::vector<std::string>& values) {
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped_label_value(out, values[i]);
    out += '"';
  }
}

}  // namespace

// ---- value types ----------------------------------------------------------

void Counter::inc(double v) noexcept {
  if (!(v >= 0)) return;
  atomic_add(value_, v);
}

void Gauge::inc(double v) noexcept { atomic_add(value_, v); }

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  // First bound >= v: the "le" bucket v falls into; end() is +Inf (also NaN).
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = acc;
  }
  s.count = acc;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    throw std::invalid_argument("exponential_buckets: need start > 0, factor > 1, count >= 1");
  }
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

// ---- formatting -----------------------------------------------------------

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

namespace {
void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
}  // namespace

// ---- families -------------------------------------------------------------

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {}

template <class T>
struct Family<T>::Shard {
  struct Entry {
    std::vector<std::string> values;
    T metric;
    template <class... A>
    explicit Entry(std::vector<std::string> v, A&&... a) : values(std::move(v)), metric(std::forward<A>(a)...) {}
  };
  mutable std::mutex mu;
  std::unordered_map<std::string, std::unique_ptr<Entry>, StringHash, StringEq> children;
};

template <class T>
Family<T>::Family(std::string name, std::string help, MetricType type,
                  std::vector<std::string> label_names, std::vector<double> buckets)
    : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
      buckets_(std::move(buckets)),
      shards_(new Shard[kShards]) {
  if (label_names_.empty()) get();  // unlabelled families expose 0 from the start
}

template <class T>
Family<T>::~Family() = default;

template <class T>
T& Family<T>::labels(std::initializer_list<std::string_view> values) {
  return labels(std::span<const std::string_view>(values.begin(), values.size()));
}

template <class T>
T& Family<T>::labels(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
  thread_local std::string key;
  key.clear();
  for (auto v : values) {
    key.append(v);
    key += kSep;
  }
  Shard& shard = shards_[StringHash{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.children.find(std::string_view(key));
  if (it != shard.children.end()) return it->second->metric;
  std::vector<std::string> owned(values.begin(), values.end());
  std::unique_ptr<typename Shard::Entry> e;
  if constexpr (std::is_same_v<T, Histogram>) {
    e = std::make_unique<typename Shard::Entry>(std::move(owned), std::span<const double>(buckets_));
  } else {
    e = std::make_unique<typename Shard::Entry>(std::move(owned));
  }
  T& ref = e->metric;
  shard.children.emplace(key, std::move(e));
  return ref;
}

template <class T>
void Family<T>::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name(type_);
  out += '\n';

  // Deterministic order: sorted by label values.
  std::map<std::vector<std::string>, const T*> sorted;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [k, e] : shards_[i].children) sorted.emplace(e->values, &e->metric);
  }
  for (const auto& [values, m] : sorted) {
    if constexpr (std::is_same_v<T, Histogram>) {
      auto snap = m->snapshot();
      for (std::size_t b = 0; b <= buckets_.size(); ++b) {
        out += name_;
        out += "_bucket";
        append_labels_open(out, label_names_, values);
        if (!label_names_.empty()) out += ',';
        out += "le=\"";
        if (b < buckets_.size()) {
          append_number(out, buckets_[b]);
        } else {
          out += "+Inf";
        }
        out += "\"} ";
        append_uint(out, snap.cumulative[b]);
        out += '\n';
      }
      out += name_;
      out += "_sum";
      if (!label_names_.empty()) {
        append_labels_open(out, label_names_, values);
        out += '}';
      }
      out += ' ';
      append_number(out, snap.sum);
      out += '\n';
      out += name_;
      out += "_count";
      if (!label_names_.empty()) {
        append_labels_open(out, label_names_, values);
        out += '}';
      }
      out += ' ';
      append_uint(out, snap.count);
      out += '\n';
    } else {
      out += name_;
      if (!label_names_.empty()) {
        append_labels_open(out, label_names_, values);
        out += '}';
      }
      out += ' ';
      append_number(out, m->value());
      out += '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry -------------------------------------------------------------

Registry::Registry() = default;
Registry::~Registry() = default;

FamilyBase* Registry::find(const std::string& name) const {
  for (const auto& f : families_) {
    if (f->name() == name) return f.get();
  }
  return nullptr;
}

namespace {
void validate(const std::string& name, const std::vector<std::string>& labels, MetricType type) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name: " + name);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!valid_label_name(labels[i])) throw std::invalid_argument("metric " + name + ": invalid label name " + labels[i]);
    if (type == MetricType::Histogram && labels[i] == "le") {
      throw std::invalid_argument("metric " + name + ": label 'le' is reserved for histograms");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[i] == labels[j]) throw std::invalid_argument("metric " + name + ": duplicate label " + labels[i]);
    }
  }
}

template <class F>
F& existing_or_throw(FamilyBase* f, MetricType type, const std::vector<std::string>& labels) {
  if (f->type() != type || f->label_names() != labels) {
    throw std::invalid_argument("metric " + f->name() + " already registered with another type or labels");
  }
  return static_cast<F&>(*f);
}
}  // namespace

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  validate(name, label_names, MetricType::Counter);
  std::lock_guard lock(mu_);
  if (auto* f = find(name)) return existing_or_throw<CounterFamily>(f, MetricType::Counter, label_names);
  auto fam = std::make_unique<CounterFamily>(name, help, MetricType::Counter, std::move(label_names));
  auto& ref = *fam;
  families_.push_back(std::move(fam));
  return ref;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  validate(name, label_names, MetricType::Gauge);
  std::lock_guard lock(mu_);
  if (auto* f = find(name)) return existing_or_throw<GaugeFamily>(f, MetricType::Gauge, label_names);
  auto fam = std::make_unique<GaugeFamily>(name, help, MetricType::Gauge, std::move(label_names));
  auto& ref = *fam;
  families_.push_back(std::move(fam));
  return ref;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names, std::vector<double> buckets) {
  validate(name, label_names, MetricType::Histogram);
  if (buckets.empty() || !std::is_sorted(buckets.begin(), buckets.end()) ||
      std::adjacent_find(buckets.begin(), buckets.end()) != buckets.end()) {
    throw std::invalid_argument("metric " + name + ": buckets must be non-empty and strictly increasing");
  }
  if (std::isinf(buckets.back())) buckets.pop_back();  // +Inf is implicit
  std::lock_guard lock(mu_);
  if (auto* f = find(name)) {
    auto& h = existing_or_throw<HistogramFamily>(f, MetricType::Histogram, label_names);
    if (h.buckets() != buckets) throw std::invalid_argument("metric " + name + " already registered with other buckets");
    return h;
  }
  auto fam = std::make_unique<HistogramFamily>(name, help, MetricType::Histogram, std::move(label_names),
                                               std::move(buckets));
  auto& ref = *fam;
  families_.push_back(std::move(fam));
  return ref;
}

std::string Registry::render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (const auto& c : collectors) c();
  std::string out;
  out.reserve(4096);
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->render(out);
  return out;
}

void Registry::add_collector(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(fn));
}

Registry& default_registry() {
  static Registry r;
  return r;
}

}  // namespace vault::metrics
