#pragma once
// One default Scanner per test binary (compiling the database takes a while).
#include "vault/pii/detection/scanner.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace vault::pii::testing {

/// Compiled once per machine: each test runs in its own process (ctest),
/// and the compiled database is shared through this cache directory
/// ($VAULT_TEST_CACHE_DIR, else a per-user directory under /tmp). The
/// cache itself is tested by compiled_db_cache_test.cpp.
inline std::string test_cache_dir() {
  if (const char* d = std::getenv("VAULT_TEST_CACHE_DIR")) return d;
  return (std::filesystem::temp_directory_path() / ("vault-test-cache-" + std::to_string(::getuid()))).string();
}

inline const Scanner& default_scanner() {
  static const Scanner s(Catalogue::defaults(), {.compile_cache_dir = test_cache_dir()});
  return s;
}

/// The texts of the findings of `entity` in `text` scored >= `min_score`
/// (default: the server's threshold), in order.
inline std::vector<std::string> found(const std::string& text, std::string_view entity, double min_score = 0.5) {
  ScanOptions o;
  o.min_score = min_score;
  std::vector<std::string> out;
  for (const auto& f : default_scanner().scan_text(text, o))
    if (f.entity == entity) out.push_back(text.substr(f.begin, f.end - f.begin));
  return out;
}

}  // namespace vault::pii::testing
