#include "vault/domain/storage_metrics.hpp"

namespace vault::domain {
namespace {

class StorageMetrics final : public resilience::CallObserver {
 public:
  explicit StorageMetrics(metrics::Registry& r)
      : ops_(r.counter("vault_storage_operations_total", "Calls of the metadata and blob stores",
                       {"backend", "operation", "status"})),
        duration_(r.histogram("vault_storage_operation_duration_seconds",
                              "Duration of metadata and blob store calls (queueing in the guard included)",
                              {"backend", "operation"}, metrics::exponential_buckets(0.0001, 4, 10))),
        bytes_(r.counter("vault_storage_bytes_total", "Bytes moved by blob store reads and writes",
                         {"backend", "operation"})),
        errors_(r.counter("vault_storage_errors_total", "Failed metadata and blob store calls, by error class",
                          {"backend", "operation", "error_type"})) {}

  void on_call(std::string_view, std::string_view backend, std::string_view operation, const Error* error,
               double seconds, std::uint64_t bytes) override {
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
};

}  // namespace

std::unique_ptr<resilience::CallObserver> make_storage_metrics_observer(metrics::Registry& registry) {
  return std::make_unique<StorageMetrics>(registry);
}

}  // namespace vault::domain
