#include "vault/observability/slo.hpp"

#include "vault/core/ids.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace vault::obs {
namespace {

constexpr std::chrono::minutes k30d{SloTracker::kMinutes};
constexpr std::chrono::minutes kWindows[] = {std::chrono::minutes(5), std::chrono::minutes(30), std::chrono::minutes(60),
                                             std::chrono::minutes(360), std::chrono::minutes(1440), k30d};

std::string window_name(std::chrono::minutes w) {
  if (w.count() % 1440 == 0) return std::to_string(w.count() / 1440) + "d";
  if (w.count() % 60 == 0) return std::to_string(w.count() / 60) + "h";
  return std::to_string(w.count()) + "m";
}

double round4(double v) { return std::round(v * 10000.0) / 10000.0; }

}  // namespace

SloTracker::SloTracker(SloTargets targets, const Clock& clock)
    : targets_(targets), clock_(clock), ring_(kMinutes) {}

std::int64_t SloTracker::now_minute() const {
  return std::chrono::duration_cast<std::chrono::minutes>(clock_.system_now().time_since_epoch()).count();
}

void SloTracker::record(int status, double seconds) {
  const std::int64_t m = now_minute();
  const bool error = status >= 500;
  const bool slow = seconds * 1000.0 > static_cast<double>(targets_.latency_threshold.count());
  std::lock_guard lock(mu_);
  Bucket& b = ring_[static_cast<std::size_t>(m % kMinutes)];
  if (b.minute != m) b = Bucket{m, {}};
  ++b.c.total;
  b.c.errors += error;
  b.c.slow += slow;
}

SloCounts SloTracker::counts(std::chrono::minutes window) const {
  const std::int64_t now = now_minute();
  const std::int64_t from = now - std::min<std::int64_t>(window.count(), kMinutes) + 1;
  SloCounts sum;
  std::lock_guard lock(mu_);
  for (std::int64_t m = from; m <= now; ++m) {
    const Bucket& b = ring_[static_cast<std::size_t>(((m % kMinutes) + kMinutes) % kMinutes)];
    if (b.minute != m) continue;
    sum.total += b.c.total;
    sum.errors += b.c.errors;
    sum.slow += b.c.slow;
  }
  return sum;
}

double SloTracker::availability_burn(const SloCounts& c) const {
  return ratio(c.errors, c.total) / (1.0 - targets_.availability);
}

double SloTracker::latency_burn(const SloCounts& c) const {
  return ratio(c.slow, c.total) / (1.0 - targets_.latency);
}

double SloTracker::availability_budget_remaining() const { return 1.0 - availability_burn(counts(k30d)); }
double SloTracker::latency_budget_remaining() const { return 1.0 - latency_burn(counts(k30d)); }
double SloTracker::availability_burn_rate(std::chrono::minutes window) const {
  return availability_burn(counts(window));
}
double SloTracker::latency_burn_rate(std::chrono::minutes window) const { return latency_burn(counts(window)); }

boost::json::object SloTracker::report() const {
  namespace json = boost::json;
  // Each window summed once (the 30-day one is a walk over 43,200 buckets).
  std::vector<SloCounts> per_window;
  for (auto w : kWindows) per_window.push_back(counts(w));
  const SloCounts& five = per_window.front();  // kWindows runs 5m .. 30d
  const SloCounts& month = per_window.back();
  auto burn = [&](bool latency) {
    json::object o;
    for (std::size_t i = 0; i < per_window.size(); ++i)
      o[window_name(kWindows[i])] = round4(latency ? latency_burn(per_window[i]) : availability_burn(per_window[i]));
    return o;
  };
  const double availability = 1.0 - ratio(month.errors, month.total);
  const double within = 1.0 - ratio(month.slow, month.total);
  const double error_rate = ratio(month.errors, month.total);
  const double rps = static_cast<double>(five.total) / 300.0;
  auto status = [](bool ok, std::uint64_t total) { return total == 0 ? "no_data" : ok ? "met" : "violated"; };
  json::array slos;
  slos.push_back(json::object{{"slo", "availability"},
                              {"period", "30d"},
                              {"target", targets_.availability},
                              {"current", round4(availability)},
                              {"status", status(availability >= targets_.availability, month.total)},
                              {"budget_remaining", round4(1.0 - availability_burn(month))},
                              {"burn_rate", burn(false)}});
  slos.push_back(json::object{{"slo", "latency"},
                              {"period", "30d"},
                              {"target", targets_.latency},
                              {"threshold_ms", targets_.latency_threshold.count()},
                              {"current", round4(within)},
                              {"status", status(within >= targets_.latency, month.total)},
                              {"budget_remaining", round4(1.0 - latency_burn(month))},
                              {"burn_rate", burn(true)}});
  slos.push_back(json::object{{"slo", "error_rate"},
                              {"period", "30d"},
                              {"target", round4(1.0 - targets_.availability)},
                              {"current", round4(error_rate)},
                              {"status", status(error_rate <= 1.0 - targets_.availability, month.total)},
                              {"budget_remaining", round4(1.0 - availability_burn(month))}});
  slos.push_back(json::object{{"slo", "throughput"},
                              {"period", "5m"},
                              {"target", targets_.throughput_rps},
                              {"current", round4(rps)},
                              {"status", "informational"}});
  return json::object{{"slos", std::move(slos)},
                      {"requests_30d", month.total},
                      {"timestamp", format_rfc3339(now_micros())}};
}

Status SloTracker::save(const std::string& path) const {
  namespace json = boost::json;
  json::array buckets;
  const std::int64_t now = now_minute();
  {
    std::lock_guard lock(mu_);
    for (const Bucket& b : ring_)
      if (b.minute >= 0 && b.minute > now - kMinutes && b.c.total > 0)
        buckets.push_back(json::array{b.minute, b.c.total, b.c.errors, b.c.slow});
  }
  const std::string tmp = path + ".tmp";
  {
    // Owner-only, like everything in the data directory.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorKind::InternalServer, "cannot write the SLO state file");
    const std::string text = json::serialize(json::object{{"version", 1}, {"buckets", std::move(buckets)}});
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != text.size()) return fail(ErrorKind::InternalServer, "cannot write the SLO state file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(ErrorKind::InternalServer, "cannot replace the SLO state file: " + ec.message());
  return {};
}

Status SloTracker::load(const std::string& path) {
  namespace json = boost::json;
  std::ifstream f(path);
  if (!f) return {};  // first start: nothing measured yet
  std::stringstream ss;
  ss << f.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  const json::array* buckets = nullptr;
  if (!ec && v.is_object())
    if (const auto* b = v.as_object().if_contains("buckets"); b && b->is_array()) buckets = &b->as_array();
  if (!buckets) return fail(ErrorKind::Validation, "the SLO state file is not valid; starting afresh");
  const std::int64_t now = now_minute();
  std::lock_guard lock(mu_);
  for (const auto& item : *buckets) {
    if (!item.is_array() || item.as_array().size() != 4) continue;
    const auto& a = item.as_array();
    if (!a[0].is_int64()) continue;
    const std::int64_t m = a[0].as_int64();
    if (m <= now - kMinutes || m > now) continue;
    auto u = [](const json::value& x) -> std::uint64_t {
      return x.is_uint64() ? x.as_uint64() : x.is_int64() && x.as_int64() >= 0 ? static_cast<std::uint64_t>(x.as_int64()) : 0;
    };
    Bucket& b = ring_[static_cast<std::size_t>(m % kMinutes)];
    b = Bucket{m, {u(a[1]), u(a[2]), u(a[3])}};
  }
  return {};
}

}  // namespace vault::obs
