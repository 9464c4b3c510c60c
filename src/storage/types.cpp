#include "vault/storage/types.hpp"

#include <utility>

namespace vault::storage {

namespace {

/// Each enum's names, one entry per enumerator: name and parse read the same
/// table, so the stored and shown text of a value is written once.
template <class E>
using Names = std::pair<E, const char*>;

template <class E, std::size_t N>
const char* name_in(const Names<E> (&names)[N], E value) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return names[0].second;
}

template <class E, std::size_t N>
std::optional<E> parse_in(const Names<E> (&names)[N], std::string_view s) {
  for (const auto& [e, name] : names)
    if (s == name) return e;
  return std::nullopt;
}

constexpr Names<Role> kRoles[] = {{Role::Reader, "reader"}, {Role::Writer, "writer"}, {Role::Admin, "admin"}};
constexpr Names<DataKeyState> kDataKeyStates[] = {{DataKeyState::Active, "active"},
                                                  {DataKeyState::DecryptOnly, "decrypt_only"},
                                                  {DataKeyState::Retired, "retired"}};
constexpr Names<TenantKeyState> kTenantKeyStates[] = {{TenantKeyState::Active, "active"},
                                                      {TenantKeyState::Retired, "retired"}};
constexpr Names<KeyJobType> kKeyJobTypes[] = {{KeyJobType::KekRotation, "kek_rotation"},
                                              {KeyJobType::DekRotation, "dek_rotation"}};
constexpr Names<KeyJobState> kKeyJobStates[] = {{KeyJobState::Running, "running"},
                                                {KeyJobState::Succeeded, "succeeded"},
                                                {KeyJobState::Failed, "failed"}};

}  // namespace

const char* role_name(Role r) {
  return name_in(kRoles, r);
}
std::optional<Role> parse_role(std::string_view s) {
  return parse_in(kRoles, s);
}

const char* data_key_state_name(DataKeyState s) {
  return name_in(kDataKeyStates, s);
}
std::optional<DataKeyState> parse_data_key_state(std::string_view s) {
  return parse_in(kDataKeyStates, s);
}

const char* tenant_key_state_name(TenantKeyState s) {
  return name_in(kTenantKeyStates, s);
}
std::optional<TenantKeyState> parse_tenant_key_state(std::string_view s) {
  return parse_in(kTenantKeyStates, s);
}

const char* key_job_type_name(KeyJobType t) {
  return name_in(kKeyJobTypes, t);
}
std::optional<KeyJobType> parse_key_job_type(std::string_view s) {
  return parse_in(kKeyJobTypes, s);
}

const char* key_job_state_name(KeyJobState s) {
  return name_in(kKeyJobStates, s);
}
std::optional<KeyJobState> parse_key_job_state(std::string_view s) {
  return parse_in(kKeyJobStates, s);
}

}  // namespace vault::storage
