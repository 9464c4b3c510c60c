#pragma once
// One default Scanner per test binary (compiling the database takes a while).
#include "vault/pii/detection/scanner.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

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

}  // namespace vault::pii::testing
