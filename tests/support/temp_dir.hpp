#pragma once
// Test helper shared by the module test suites: a unique directory under
// /tmp, removed with everything in it.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace vault::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/vault-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// A fresh, not yet existing path inside the directory.
  std::filesystem::path fresh(const std::string& stem) { return path_ / (stem + std::to_string(++n_)); }

 private:
  std::filesystem::path path_;
  int n_ = 0;
};

/// One temp dir per test process, removed at exit.
inline TempDir& process_temp_dir() {
  static TempDir dir;
  return dir;
}

}  // namespace vault::testing
