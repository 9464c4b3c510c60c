#pragma once
/// Metrics registry with Prometheus text exposition (format 0.0.4).
///
/// A family (Counter, Gauge or Histogram) has a name, a help text and label
/// names fixed at registration; each distinct tuple of label values is a
/// child, created on first use and never removed:
///
///   auto& requests = registry.counter("vault_requests_total", "Requests.",
///                                     {"method", "endpoint", "status"});
///   requests.labels({"GET", "/api/v1/datasets/{id}", "200"}).inc();
///
/// Children are stable references valid for the registry's lifetime: hot
/// paths may cache them and then update them lock-free (atomics only).
/// `labels()` itself takes one small per-shard lock.
///
/// Label values must never contain plaintext record data or keys.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vault::metrics {

/// Monotonically increasing value. Lock-free.
class Counter {
 public:
  /// Adds `v` (must be >= 0; negative values are ignored).
  void inc(double v = 1.0) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down. Lock-free.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1.0) noexcept;
  void dec(double v = 1.0) noexcept { inc(-v); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Distribution of observations over fixed upper bounds ("le", inclusive),
/// plus an implicit +Inf bucket. Lock-free.
class Histogram {
 public:
  /// `bounds` must be sorted ascending and outlive the histogram (the family owns them).
  explicit Histogram(std::span<const double> bounds);
  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  ///< one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  ///< per bucket, not cumulative
  std::atomic<double> sum_{0.0};
};

/// 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 (seconds).
std::vector<double> default_latency_buckets();
/// start, start*factor, ... (`count` bounds). For sizes: exponential_buckets(100, 10, 7).
std::vector<double> exponential_buckets(double start, double factor, int count);

enum class MetricType { Counter, Gauge, Histogram };

/// Name, help and labels of a family; renders itself.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  /// Appends this family in exposition format (HELP, TYPE, samples sorted by labels).
  virtual void render(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

/// All children of one family. T is Counter, Gauge or Histogram.
template <class T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names, std::vector<double> buckets = {});
  ~Family() override;

  /// The child for these label values (one per label name, in order).
  /// Stable reference, valid as long as the registry. Throws
  /// std::invalid_argument when the number of values is wrong.
  T& labels(std::initializer_list<std::string_view> values);
  T& labels(std::span<const std::string_view> values);
  /// The only child of a family without labels.
  T& get() { return labels(std::span<const std::string_view>{}); }

  void render(std::string& out) const override;
  const std::vector<double>& buckets() const { return buckets_; }

 private:
  struct Shard;
  static constexpr std::size_t kShards = 16;
  std::vector<double> buckets_;
  std::unique_ptr<Shard[]> shards_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

/// A set of families. Thread-safe. Registering the same name again with the
/// same type and label names returns the existing family; a conflicting
/// registration or an invalid name throws std::invalid_argument (a
/// programming error, found at startup).
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names = {},
                             std::vector<double> buckets = default_latency_buckets());

  /// Prometheus text exposition format 0.0.4, families in registration order.
  /// Runs the collectors first.
  std::string render() const;
  /// `fn` runs at the start of every render(), to set gauges that are read
  /// rather than counted (process memory, threads). Must be quick and
  /// thread-safe; must not register families.
  void add_collector(std::function<void()> fn);

 private:
  FamilyBase* find(const std::string& name) const;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void()>> collectors_;
};

/// The process-wide registry (the only global mutable state of the design).
Registry& default_registry();

/// Content-Type of render()'s output.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Exposition helpers (exposed for tests).
void append_escaped_label_value(std::string& out, std::string_view v);
void append_escaped_help(std::string& out, std::string_view v);
void append_number(std::string& out, double v);

}  // namespace vault::metrics
