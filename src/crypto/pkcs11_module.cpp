#include "crypto/pkcs11_module.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <map>
#include <mutex>

namespace vault::crypto::detail {
namespace {

// Loaded modules by path, with the number of Pkcs11Module users. Counting
// under one mutex makes load/unload of the same path race-free.
struct Loaded {
  void* handle = nullptr;
  ck_function_list* fn = nullptr;
  bool finalize = false;  // false if someone else initialised it
  int users = 0;
};
std::mutex g_mu;
std::map<std::string, Loaded>& registry() {
  static std::map<std::string, Loaded> r;
  return r;
}

}  // namespace

Error pkcs11_error(std::string_view what, ck_rv_t rv) {
  char code[32];
  std::snprintf(code, sizeof code, "0x%08lx", static_cast<unsigned long>(rv));
  return Error(ErrorKind::KeyProvider, "PKCS#11 " + std::string(what) + " failed (CKR " + code + ")");
}

Result<std::shared_ptr<Pkcs11Module>> Pkcs11Module::load(const std::string& path) {
  std::lock_guard lk(g_mu);
  auto& reg = registry();
  if (auto it = reg.find(path); it != reg.end()) {
    ++it->second.users;
    return std::shared_ptr<Pkcs11Module>(new Pkcs11Module(path, it->second.fn));
  }
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) return fail(ErrorKind::KeyProvider, "cannot load PKCS#11 module " + path);
  auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(h, "C_GetFunctionList"));
  ck_function_list* fn = nullptr;
  if (!get || get(&fn) != CKR_OK || !fn) {
    ::dlclose(h);
    return fail(ErrorKind::KeyProvider, "not a PKCS#11 module: " + path);
  }
  ck_c_initialize_args args{};
  args.flags = CKF_OS_LOCKING_OK;
  const ck_rv_t rv = fn->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    ::dlclose(h);
    return fail(pkcs11_error("C_Initialize", rv));
  }
  reg[path] = Loaded{h, fn, rv == CKR_OK, 1};
  return std::shared_ptr<Pkcs11Module>(new Pkcs11Module(path, fn));
}

Pkcs11Module::~Pkcs11Module() {
  std::lock_guard lk(g_mu);
  auto& reg = registry();
  auto it = reg.find(path_);
  if (it == reg.end() || --it->second.users > 0) return;
  if (it->second.finalize) it->second.fn->C_Finalize(nullptr);
  ::dlclose(it->second.handle);
  reg.erase(it);
}

}  // namespace vault::crypto::detail
