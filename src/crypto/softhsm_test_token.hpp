#pragma once
// Test helper: a SoftHSM2 token initialised by the test process in its own
// temporary token directory (SOFTHSM2_CONF points at a config written there);
// removed at exit. Must be created before the module is first loaded.
#include "support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace vault::crypto::testing {

using vault::testing::TempDir;

inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
inline constexpr const char* kSoftHsmToken = "vault-test";
inline constexpr const char* kSoftHsmPin = "5678";

class SoftHsmToken {
 public:
  static SoftHsmToken& get() {
    static SoftHsmToken t;
    return t;
  }
  bool ok() const { return ok_; }
  /// open_key_provider URL for the token.
  static std::string url() {
    return std::string("pkcs11://") + kSoftHsmModule + "?token=" + kSoftHsmToken + "&pin=" + kSoftHsmPin;
  }

 private:
  SoftHsmToken() {
    const auto tokens = dir_.path() / "tokens";
    std::filesystem::create_directories(tokens);
    const auto conf = dir_.path() / "softhsm2.conf";
    std::ofstream(conf) << "directories.tokendir = " << tokens.string() << "\n"
                        << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const std::string cmd = std::string("softhsm2-util --init-token --free --label ") + kSoftHsmToken +
                            " --so-pin 1234 --pin " + kSoftHsmPin + " >/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  TempDir dir_;
  bool ok_ = false;
};

}  // namespace vault::crypto::testing
