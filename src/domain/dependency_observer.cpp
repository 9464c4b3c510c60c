#include "vault/domain/dependency_observer.hpp"

#include "vault/core/ids.hpp"

namespace vault::domain {
namespace {

class DependencyObserver final : public resilience::CallObserver {
 public:
  explicit DependencyObserver(metrics::Registry& r)
      : ops_(r.counter("vault_storage_operations_total", "Calls of the metadata and blob stores",
                       {"backend", "operation", "status"})),
        duration_(r.histogram("vault_storage_operation_duration_seconds",
                              "Duration of metadata and blob store calls (queueing in the guard included)",
                              {"backend", "operation"}, metrics::exponential_buckets(0.0001, 4, 10))),
        bytes_(r.counter("vault_storage_bytes_total", "Bytes moved by blob store reads and writes",
                         {"backend", "operation"})),
        errors_(r.counter("vault_storage_errors_total", "Failed metadata and blob store calls, by error class",
                          {"backend", "operation", "error_type"})),
        retries_(r.counter("vault_retries_total",
                           "Retry decisions of dependency calls: retried (another attempt), recovered (succeeded "
                           "after retries), exhausted (gave up), budget_exhausted (the retry budget was spent)",
                           {"dependency", "outcome"})) {}

  void on_retry(std::string_view dependency, std::string_view outcome) override {
    retries_.labels({dependency, outcome}).inc();
  }

  void on_call(std::string_view dependency, std::string_view backend, std::string_view operation,
               const Error* error, double seconds, std::uint64_t bytes) override {
    if (obs::TraceCollector* t = obs::current_trace()) {
      const std::int64_t end = now_micros();
      std::vector<std::pair<std::string, std::string>> attrs = {{"dependency", std::string(dependency)},
                                                                {"backend", std::string(backend)},
                                                                {"operation", std::string(operation)}};
      if (error) attrs.emplace_back("error.type", std::string(error_info(error->kind()).type));
      t->add_child(std::string(dependency) + "." + std::string(operation),
                   end - static_cast<std::int64_t>(seconds * 1e6), end, error != nullptr, std::move(attrs));
    }
    if (dependency == "key_provider") return;  // KMS calls have their own metrics
    ops_.labels({backend, operation, error ? "error" : "success"}).inc();
    duration_.labels({backend, operation}).observe(seconds);
    if (bytes > 0) bytes_.labels({backend, operation}).inc(static_cast<double>(bytes));
    if (error) errors_.labels({backend, operation, error_info(error->kind()).type}).inc();
  }

 private:
  metrics::CounterFamily& ops_;
  metrics::HistogramFamily& duration_;
  metrics::CounterFamily& bytes_;
  metrics::CounterFamily& errors_;
  metrics::CounterFamily& retries_;
};

}  // namespace

std::unique_ptr<resilience::CallObserver> make_dependency_observer(metrics::Registry& registry) {
  return std::make_unique<DependencyObserver>(registry);
}

}  // namespace vault::domain
