// PII scan throughput: MB/s per core on generated English prose with sparse
// PII and on JSONL records, plus the same patterns through std::regex as a
// reference ratio (std::regex runs on a smaller sample; its MB/s is
// extrapolated from that sample).
//
// Usage: pii_scan_bench [MB of prose, default 32]
#include "vault/pii/scanner.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace vault::pii;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

const char* kWords[] = {
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "it", "with", "as", "his", "on", "be", "at",
    "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which", "one", "you", "were",
    "her", "all", "she", "there", "would", "their", "we", "him", "been", "has", "when", "who", "will", "more", "no",
    "if", "out", "so", "said", "what", "up", "its", "about", "into", "than", "them", "can", "only", "other", "new",
    "some", "could", "time", "these", "two", "may", "then", "do", "first", "any", "my", "now", "such", "like", "our",
    "over", "man", "me", "even", "most", "made", "after", "also", "did", "many", "before", "must", "through",
    "back", "years", "where", "much", "your", "way", "well", "down", "should", "because", "each", "just", "those",
    "people", "how", "too", "little", "state", "good", "very", "make", "world", "still", "own", "see", "men",
    "work", "long", "get", "here", "between", "both", "life", "being", "under", "never", "day", "same", "another",
    "know", "while", "last", "might", "us", "great", "old", "year", "off", "come", "since", "against", "go",
    "came", "right", "used", "take", "three", "report", "system", "customer", "order", "account", "support",
    "training", "model", "data", "value", "message", "request", "service", "team", "project", "review", "update"};

const char* kPii[] = {"john.smith@example.com", "(415) 555-0132", "4111 1111 1111 1111", "078-05-1123",
                      "192.168.10.42",          "Maria Garcia",   "2024-03-15",          "DE89370400440532013000",
                      "AKIAIOSFODNN7EXAMPLE",   "+44 20 7946 0958"};

std::string prose(std::size_t bytes, std::mt19937_64& rng) {
  std::string out;
  out.reserve(bytes + 256);
  std::uniform_int_distribution<std::size_t> word(0, std::size(kWords) - 1), len(8, 20), pii(0, std::size(kPii) - 1);
  std::size_t next_pii = 2000;
  while (out.size() < bytes) {
    std::size_t n = len(rng);
    for (std::size_t i = 0; i < n; ++i) {
      std::string w = kWords[word(rng)];
      if (i == 0) w[0] = static_cast<char>(w[0] - 32);
      out += w;
      out += i + 1 == n ? ". " : " ";
    }
    if (out.size() >= next_pii) {  // sparse PII: about one item per 2 KB
      out += "Contact ";
      out += kPii[pii(rng)];
      out += " today. ";
      next_pii += 2000;
    }
  }
  return out;
}

struct Run {
  double mb_s;
  std::size_t findings;
};

Run bench_text(const Scanner& s, const std::vector<std::string>& docs, const ScanOptions& o) {
  std::size_t bytes = 0, found = 0;
  auto t0 = Clock::now();
  for (const auto& d : docs) {
    found += s.scan_text(d, o).size();
    bytes += d.size();
  }
  return {bytes / 1e6 / secs(t0, Clock::now()), found};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mb = argc > 1 ? static_cast<std::size_t>(std::atoi(argv[1])) : 32;
  std::mt19937_64 rng(42);

  auto t0 = Clock::now();
  Scanner scanner(Catalogue::defaults());
  auto catalogue = Catalogue::defaults();
  Catalogue patterns_only = catalogue;
  patterns_only.enable_dictionary_entities(false);
  Scanner scanner_patterns(patterns_only);
  std::size_t npatterns = 0;
  for (auto& r : catalogue.recognizers()) npatterns += r.patterns.size();
  std::printf("catalogue: %zu recognizers, %zu patterns; database compile %.2f s (two scanners)\n",
              catalogue.recognizers().size(), npatterns, secs(t0, Clock::now()));

  // Prose, scanned as 16 KiB documents.
  std::string text = prose(mb << 20, rng);
  std::vector<std::string> docs;
  for (std::size_t off = 0; off < text.size(); off += 16384) docs.push_back(text.substr(off, 16384));
  ScanOptions o;
  (void)bench_text(scanner, {docs.begin(), docs.begin() + std::min<std::size_t>(docs.size(), 64)}, o);  // warm-up
  auto full = bench_text(scanner, docs, o);
  auto pat = bench_text(scanner_patterns, docs, o);
  std::printf("prose %zu MB (16 KiB docs, ~1 PII item / 2 KB), 1 thread:\n", mb);
  std::printf("  all entities (patterns + dictionary NER): %8.1f MB/s  (%zu findings)\n", full.mb_s, full.findings);
  std::printf("  pattern entities only:                    %8.1f MB/s  (%zu findings)\n", pat.mb_s, pat.findings);

  // JSONL records.
  std::vector<boost::json::value> records;
  std::size_t json_bytes = 0;
  std::uniform_int_distribution<int> card(0, 9);
  for (std::size_t i = 0; json_bytes < (mb << 20) / 4; ++i) {
    boost::json::object r;
    r["id"] = i;
    r["user"] = {{"name", "Maria Garcia"}, {"email", "user" + std::to_string(i) + "@example.com"}, {"ssn", "078-05-1123"}};
    r["message"] = prose(400, rng);
    r["card"] = 4111111111111111ull;
    r["tags"] = {"support", "billing", "priority"};
    r["created_at"] = "2024-03-15T14:30:00Z";
    boost::json::value v = std::move(r);
    json_bytes += boost::json::serialize(v).size() + 1;
    records.push_back(std::move(v));
  }
  auto tj = Clock::now();
  std::size_t jfound = 0;
  for (auto& r : records) jfound += scanner.scan_json(r, o).size();
  double jmb = json_bytes / 1e6 / secs(tj, Clock::now());
  std::printf("jsonl %zu records, %.1f MB serialized, scan_json on parsed values, 1 thread:\n", records.size(),
              json_bytes / 1e6);
  std::printf("  all entities: %8.1f MB/s of JSONL (%zu findings)\n", jmb, jfound);

  // std::regex reference: every pattern of the catalogue, one pass each, on a sample.
  std::string sample = text.substr(0, 256 << 10);
  std::vector<std::regex> regexes;
  std::size_t unsupported = 0;
  for (auto& r : catalogue.recognizers())
    for (auto& p : r.patterns) {
      try {
        auto flags = std::regex::ECMAScript | std::regex::optimize;
        if (p.caseless) flags |= std::regex::icase;
        regexes.emplace_back(p.regex, flags);
      } catch (const std::regex_error&) {
        ++unsupported;
      }
    }
  auto tr = Clock::now();
  std::size_t rmatches = 0;
  for (auto& re : regexes)
    for (auto it = std::sregex_iterator(sample.begin(), sample.end(), re); it != std::sregex_iterator(); ++it)
      ++rmatches;
  double rsec = secs(tr, Clock::now());
  double rmb = sample.size() / 1e6 / rsec;
  std::printf("std::regex reference: %zu patterns (%zu not expressible), %zu KiB sample in %.2f s -> %.3f MB/s "
              "(extrapolated), %zu raw matches\n",
              regexes.size(), unsupported, sample.size() >> 10, rsec, rmb, rmatches);
  std::printf("ratio vectorscan pattern scan / std::regex: %.0fx\n", pat.mb_s / rmb);
  return 0;
}
