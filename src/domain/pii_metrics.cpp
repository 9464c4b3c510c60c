#include "vault/domain/pii_metrics.hpp"

namespace vault::domain {
namespace {

class MetricsPiiObserver final : public PiiObserver {
 public:
  explicit MetricsPiiObserver(metrics::Registry& r)
      : ops_(r.counter("vault_anonymization_operations_total", "Anonymization operator applications",
                       {"strategy", "field_type", "status"})),
        duration_(r.histogram("vault_anonymization_duration_seconds", "Duration of anonymizing one input", {},
                              metrics::exponential_buckets(0.00001, 4, 10))),
        violations_(r.counter("vault_privacy_violations_total",
                              "Records refused or quarantined by a PII policy, per entity found",
                              {"type", "severity"})) {}

  void on_anonymized(const pii::AnonymizeStats& stats, double seconds) override {
    for (const auto& o : stats.operations)
      ops_.labels({o.strategy, o.field_type, o.status}).inc(static_cast<double>(o.count));
    duration_.get().observe(seconds);
  }
  void on_violation(std::string_view entity, std::string_view severity) override {
    violations_.labels({entity, severity}).inc();
  }

 private:
  metrics::CounterFamily& ops_;
  metrics::HistogramFamily& duration_;
  metrics::CounterFamily& violations_;
};

}  // namespace

std::unique_ptr<PiiObserver> make_pii_metrics_observer(metrics::Registry& registry) {
  return std::make_unique<MetricsPiiObserver>(registry);
}

}  // namespace vault::domain
