#pragma once
/// Spans (spec 6.3): one server span per request and one child span per
/// dependency call made while serving it, kept or dropped when the request
/// ends by the sampling rules (errors and slow requests always when so
/// configured, a sampled traceparent always, else the endpoint's rate or
/// the default rate), and handed to an exporter on a background thread.
///
///   TraceCollector  the spans of one request; the thread serving it has it
///                   installed (TraceScope), so that code far below (the
///                   dependency guards) can add child spans without knowing
///                   about requests;
///   Sampler         the keep/drop decision;
///   Tracer          sampler + bounded queue + exporter thread (a full queue
///                   drops spans, counted, never blocks a request);
///   SpanExporter    JSON lines (here) or OTLP/HTTP JSON (src/http).
/// Span attributes carry ids, route templates, operation names and
/// statuses: never record data, keys or secrets.
#include "vault/core/error.hpp"
#include "vault/core/resilience_settings.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace vault::obs {

struct SpanRecord {
  std::string trace_id;        ///< 32 hex
  std::string span_id;         ///< 16 hex
  std::string parent_span_id;  ///< "" for a root span
  std::string trace_state;     ///< the caller's tracestate, carried on ("" = none)
  std::string name;            ///< "GET /api/v1/datasets/{id}", "metadata_store.read"
  bool server = false;         ///< kind: server (the request) or client (a dependency call)
  std::int64_t start_us = 0;   ///< unix microseconds
  std::int64_t end_us = 0;
  bool error = false;
  std::vector<std::pair<std::string, std::string>> attributes;
};

/// The child spans of one request. Thread-safe (a request may fan out).
class TraceCollector {
 public:
  TraceCollector(std::string trace_id, std::string server_span_id, std::string trace_state = {})
      : trace_id_(std::move(trace_id)), parent_(std::move(server_span_id)), trace_state_(std::move(trace_state)) {}
  /// A finished child of the request's server span.
  void add_child(std::string name, std::int64_t start_us, std::int64_t end_us, bool error,
                 std::vector<std::pair<std::string, std::string>> attributes);
  std::vector<SpanRecord> take();
  const std::string& trace_id() const { return trace_id_; }

 private:
  static constexpr std::size_t kMaxChildren = 256;  ///< a runaway loop does not grow a trace without bound
  const std::string trace_id_;
  const std::string parent_;
  const std::string trace_state_;
  std::mutex mu_;
  std::vector<SpanRecord> children_;
};

/// The collector of the request this thread is serving, or null.
TraceCollector* current_trace();

/// Installs `c` (may be null) as the thread's collector for its lifetime.
class TraceScope {
 public:
  explicit TraceScope(TraceCollector* c) noexcept;
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  TraceCollector* previous_;
};

/// Keep or drop a finished request's trace.
class Sampler {
 public:
  explicit Sampler(TracingSettings s) : s_(std::move(s)) {}
  /// `u` uniform in [0, 1) (tests pass it; Tracer rolls it).
  bool keep(std::string_view endpoint, int status, double seconds, bool parent_sampled, double u) const;
  /// The rate for `endpoint`: the first rule whose endpoint matches (a
  /// trailing "*" matches any rest), else default_rate.
  double rate_for(std::string_view endpoint) const;

 private:
  TracingSettings s_;
};

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual Status export_spans(const std::vector<SpanRecord>& spans) = 0;
};

/// One JSON object per span and line, to `path` ("" = stderr).
std::unique_ptr<SpanExporter> json_lines_exporter(const std::string& path);

/// The OTLP/HTTP JSON body (ExportTraceServiceRequest) for `spans`.
std::string otlp_json(const std::vector<SpanRecord>& spans, std::string_view service_name);
std::string span_json_line(const SpanRecord& s);

class Tracer {
 public:
  /// `exporters` may be empty (spans are decided and counted, not sent).
  Tracer(TracingSettings settings, std::vector<std::unique_ptr<SpanExporter>> exporters);
  ~Tracer();  ///< exports what is queued, then stops
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  bool keep(std::string_view endpoint, int status, double seconds, bool parent_sampled);
  /// Queues a kept trace (root first). Never blocks; drops when the queue is full.
  void submit(std::vector<SpanRecord> spans);
  /// Blocks until everything queued so far was handed to the exporters (tests, shutdown).
  void flush();

  std::uint64_t exported() const { return exported_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  void run();
  static constexpr std::size_t kMaxQueuedSpans = 20000;
  static constexpr std::size_t kBatch = 512;

  Sampler sampler_;
  std::vector<std::unique_ptr<SpanExporter>> exporters_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<SpanRecord> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> exported_{0}, dropped_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace vault::obs
