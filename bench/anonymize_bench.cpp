// Offline anonymization throughput, one thread: for each operator, every
// JSONL line is parsed, scanned (scan_json), rewritten (anonymize_json) and
// serialized again, as `vault anonymize` does. Records are synthetic chat
// records (~600 B) generated in memory, about one in three carrying PII.
// Rows "parse+serialize" and "scan only" are the floors.
//
// Usage: anonymize_bench [records, default 50000]
#include "vault/pii/anonymization/anonymizer.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace vault;
using namespace vault::pii;
using Clock = std::chrono::steady_clock;

namespace {

const char* kWords[] = {"the", "model", "answer", "customer", "order", "was", "shipped", "yesterday", "please",
                        "review", "training", "data", "support", "ticket", "about", "account", "update",
                        "invoice", "we", "will", "check", "and", "reply", "soon", "thanks", "for", "waiting"};
const char* kPii[] = {"john.smith@example.com", "(415) 555-0132", "4111 1111 1111 1111", "078-05-1123",
                      "192.168.10.42", "2024-03-15", "maria.garcia@example.org", "+44 20 7946 0958"};

std::string sentence(std::mt19937_64& rng, std::size_t words) {
  std::uniform_int_distribution<std::size_t> w(0, std::size(kWords) - 1);
  std::string s;
  for (std::size_t i = 0; i < words; ++i) (s += i ? " " : "") += kWords[w(rng)];
  return s;
}

std::vector<std::string> make_records(std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pii(0, std::size(kPii) - 1), words(12, 30), dice(0, 2);
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    boost::json::array msgs;
    for (int m = 0; m < 3; ++m) {
      std::string text = sentence(rng, words(rng));
      if (m == 1 && dice(rng) == 0) text += " contact " + std::string(kPii[pii(rng)]) + " " + sentence(rng, 5);
      msgs.push_back(boost::json::object{{"role", m % 2 ? "assistant" : "user"}, {"content", text}});
    }
    boost::json::object rec{{"id", "conv-" + std::to_string(i)}, {"source", "support"}, {"lang", "en"},
                            {"messages", std::move(msgs)}, {"rating", static_cast<int>(i % 5)}};
    out.push_back(boost::json::serialize(rec));
  }
  return out;
}

struct Row {
  double mb_s = 0, rec_s = 0;
  std::size_t findings = 0, applied = 0, fallbacks = 0;
  bool ok = true;
};

enum class Mode { ParseOnly, ScanOnly, Anonymize };

Row run(const Scanner& scanner, const std::vector<std::string>& lines, const Policy& policy,
        const AnonymizerContext& ctx, Mode mode) {
  Row row;
  std::size_t bytes = 0, out_bytes = 0;
  auto opts = policy.scan_options();
  auto t0 = Clock::now();
  for (const auto& line : lines) {
    bytes += line.size() + 1;
    boost::json::value v = boost::json::parse(line);
    if (mode != Mode::ParseOnly) {
      auto found = scanner.scan_json(v, opts);
      std::erase_if(found, [&](const JsonFinding& f) { return !policy.applies_to(f.finding); });
      row.findings += found.size();
      if (mode == Mode::Anonymize && !found.empty()) {
        auto s = anonymize_json(v, found, policy, ctx);
        if (!s) {
          row.ok = false;
          break;
        }
        row.applied += s->applied;
        row.fallbacks += s->fallbacks;
      }
    }
    out_bytes += boost::json::serialize(v).size() + 1;
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  row.mb_s = static_cast<double>(bytes) / 1e6 / secs;
  row.rec_s = static_cast<double>(lines.size()) / secs;
  if (out_bytes == 0) row.ok = false;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 50000;
  auto lines = make_records(n);
  std::size_t total = 0;
  for (const auto& l : lines) total += l.size() + 1;
  Scanner scanner(Catalogue::defaults());

  std::vector<std::uint8_t> master(32, 7);
  auto keys = derive_anonymizer_keys(crypto::ByteView(master.data(), master.size()), "bench");
  if (!keys) {
    std::fprintf(stderr, "key derivation failed: %s\n", keys.error().message().c_str());
    return 1;
  }
  AnonymizerContext ctx;
  ctx.keys = &*keys;
  ctx.tenant_id = "bench";

  std::printf("anonymize_bench: %zu JSONL records, %.1f MB, 1 thread (parse + scan_json + anonymize_json + serialize)\n",
              lines.size(), static_cast<double>(total) / 1e6);
  std::printf("%-16s %9s %11s %9s %9s %9s\n", "operator", "MB/s", "records/s", "findings", "applied", "fallback");
  Policy base;
  auto print = [](const char* name, const Row& r) {
    std::printf("%-16s %9.1f %11.0f %9zu %9zu %9zu%s\n", name, r.mb_s, r.rec_s, r.findings, r.applied, r.fallbacks,
                r.ok ? "" : "  FAILED");
  };
  print("parse+serialize", run(scanner, lines, base, ctx, Mode::ParseOnly));
  print("scan only", run(scanner, lines, base, ctx, Mode::ScanOnly));
  bool ok = true;
  for (auto kind : {OperatorKind::Keep, OperatorKind::Redact, OperatorKind::Replace, OperatorKind::Mask,
                    OperatorKind::Hash, OperatorKind::Pseudonymize, OperatorKind::Fpe, OperatorKind::Generalize,
                    OperatorKind::Encrypt}) {
    Policy p;
    p.default_operator.kind = kind;
    auto r = run(scanner, lines, p, ctx, Mode::Anonymize);
    ok = ok && r.ok;
    print(std::string(operator_name(kind)).c_str(), r);
  }
  return ok ? 0 : 1;
}
