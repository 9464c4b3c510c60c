#pragma once
// A dlopen'ed PKCS#11 module, initialised once per process and path.
// Include only from .cpp files: it pulls in <p11-kit/pkcs11.h> (GNU naming).
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>

#include "vault/core/error.hpp"

#include <memory>
#include <string>

namespace vault::crypto::detail {

class Pkcs11Module {
 public:
  /// The shared, initialised module at `path` (KeyProvider error if it cannot
  /// be loaded or initialised). C_Finalize/dlclose run when the last user drops it.
  static Result<std::shared_ptr<Pkcs11Module>> load(const std::string& path);
  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  ck_function_list* fn() const { return fn_; }

 private:
  Pkcs11Module(std::string path, ck_function_list* fn) : path_(std::move(path)), fn_(fn) {}
  std::string path_;
  ck_function_list* fn_;
};

/// "PKCS#11 <what> failed (CKR 0x...)" as a KeyProvider error.
Error pkcs11_error(std::string_view what, ck_rv_t rv);

}  // namespace vault::crypto::detail
