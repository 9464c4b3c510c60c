#include "vault/observability/tracing.hpp"

#include "vault/observability/trace.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace vault::obs {
namespace {

thread_local TraceCollector* t_current = nullptr;

bool matches(std::string_view pattern, std::string_view endpoint) {
  if (!pattern.empty() && pattern.back() == '*') return endpoint.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == endpoint;
}

class JsonLinesExporter final : public SpanExporter {
 public:
  explicit JsonLinesExporter(const std::string& path)
      : out_(path.empty() ? stderr : std::fopen(path.c_str(), "ae")), own_(!path.empty()) {}
  ~JsonLinesExporter() override {
    if (own_ && out_) std::fclose(out_);
  }
  Status export_spans(const std::vector<SpanRecord>& spans) override {
    if (!out_) return fail(ErrorKind::InternalServer, "the span log file cannot be opened");
    std::string text;
    for (const auto& s : spans) text += span_json_line(s) + "\n";
    if (std::fwrite(text.data(), 1, text.size(), out_) != text.size() || std::fflush(out_) != 0)
      return fail(ErrorKind::InternalServer, "the span log file cannot be written");
    return {};
  }

 private:
  std::FILE* out_;
  bool own_;
};

boost::json::object span_object(const SpanRecord& s) {
  boost::json::object attrs;
  for (const auto& [k, v] : s.attributes) attrs[k] = v;
  return {{"trace_id", s.trace_id},
          {"span_id", s.span_id},
          {"parent_span_id", s.parent_span_id},
          {"trace_state", s.trace_state},
          {"name", s.name},
          {"kind", s.server ? "server" : "client"},
          {"start_us", s.start_us},
          {"end_us", s.end_us},
          {"duration_ms", static_cast<double>(s.end_us - s.start_us) / 1000.0},
          {"status", s.error ? "error" : "ok"},
          {"attributes", std::move(attrs)}};
}

}  // namespace

void TraceCollector::add_child(std::string name, std::int64_t start_us, std::int64_t end_us, bool error,
                               std::vector<std::pair<std::string, std::string>> attributes) {
  SpanRecord s;
  s.trace_id = trace_id_;
  s.span_id = new_span_id();
  s.parent_span_id = parent_;
  s.trace_state = trace_state_;
  s.name = std::move(name);
  s.start_us = start_us;
  s.end_us = end_us;
  s.error = error;
  s.attributes = std::move(attributes);
  std::lock_guard lock(mu_);
  if (children_.size() < kMaxChildren) children_.push_back(std::move(s));
}

std::vector<SpanRecord> TraceCollector::take() {
  std::lock_guard lock(mu_);
  return std::move(children_);
}

TraceCollector* current_trace() { return t_current; }

TraceScope::TraceScope(TraceCollector* c) noexcept : previous_(t_current) { t_current = c; }
TraceScope::~TraceScope() { t_current = previous_; }

double Sampler::rate_for(std::string_view endpoint) const {
  for (const auto& r : s_.rules)
    if (matches(r.endpoint, endpoint)) return r.rate;
  return s_.default_rate;
}

bool Sampler::keep(std::string_view endpoint, int status, double seconds, bool parent_sampled, double u) const {
  if (s_.sample_errors && status >= 500) return true;
  if (s_.sample_slow_requests && seconds * 1000.0 >= static_cast<double>(s_.slow_threshold.count())) return true;
  if (parent_sampled) return true;  // the caller's trace is recorded: ours belongs in it
  return u < rate_for(endpoint);
}

std::unique_ptr<SpanExporter> json_lines_exporter(const std::string& path) {
  return std::make_unique<JsonLinesExporter>(path);
}

std::string span_json_line(const SpanRecord& s) { return boost::json::serialize(span_object(s)); }

std::string otlp_json(const std::vector<SpanRecord>& spans, std::string_view service_name) {
  namespace json = boost::json;
  json::array out;
  for (const auto& s : spans) {
    json::array attrs;
    for (const auto& [k, v] : s.attributes)
      attrs.push_back(json::object{{"key", k}, {"value", json::object{{"stringValue", v}}}});
    json::object span{{"traceId", s.trace_id},
                      {"spanId", s.span_id},
                      {"name", s.name},
                      {"kind", s.server ? 2 : 3},  // SPAN_KIND_SERVER, SPAN_KIND_CLIENT
                      {"startTimeUnixNano", std::to_string(s.start_us) + "000"},
                      {"endTimeUnixNano", std::to_string(s.end_us) + "000"},
                      {"attributes", std::move(attrs)},
                      {"status", json::object{{"code", s.error ? 2 : 1}}}};  // ERROR, OK
    if (!s.parent_span_id.empty()) span["parentSpanId"] = s.parent_span_id;
    if (!s.trace_state.empty()) span["traceState"] = s.trace_state;
    out.push_back(std::move(span));
  }
  json::object resource{
      {"attributes",
       json::array{json::object{{"key", "service.name"}, {"value", json::object{{"stringValue", service_name}}}}}}};
  json::object scope_spans{{"scope", json::object{{"name", "vaultd"}}}, {"spans", std::move(out)}};
  json::object resource_spans{{"resource", std::move(resource)}, {"scopeSpans", json::array{std::move(scope_spans)}}};
  return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
}

Tracer::Tracer(TracingSettings settings, std::vector<std::unique_ptr<SpanExporter>> exporters)
    : sampler_(std::move(settings)), exporters_(std::move(exporters)), thread_([this] { run(); }) {}

Tracer::~Tracer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool Tracer::keep(std::string_view endpoint, int status, double seconds, bool parent_sampled) {
  // Per thread: no lock shared by every request on the answer path.
  thread_local std::minstd_rand rng{std::random_device{}()};
  return sampler_.keep(endpoint, status, seconds, parent_sampled, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
}

void Tracer::submit(std::vector<SpanRecord> spans) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() + spans.size() > kMaxQueuedSpans) {
      dropped_ += spans.size();
      return;
    }
    for (auto& s : spans) queue_.push_back(std::move(s));
  }
  cv_.notify_one();
}

void Tracer::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void Tracer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::vector<SpanRecord> batch;
    while (!queue_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    busy_ = true;
    lock.unlock();
    bool any_failed = false;
    for (auto& e : exporters_) {
      if (auto s = e->export_spans(batch); !s) {
        failed_ += batch.size();
        any_failed = true;
      }
    }
    exported_ += batch.size();
    lock.lock();
    busy_ = false;
    if (stop_ && any_failed) {
      // Shutting down with an exporter that fails: do not wait out its
      // timeout once per batch; what is left is dropped (counted).
      dropped_ += queue_.size();
      queue_.clear();
    }
    idle_cv_.notify_all();
  }
}

}  // namespace vault::obs
