#include "vault/storage/types.hpp"

namespace vault::storage {

const char* role_name(Role r) {
  switch (r) {
    case Role::Reader: return "reader";
    case Role::Writer: return "writer";
    case Role::Admin: return "admin";
  }
  return "reader";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "reader") return Role::Reader;
  if (s == "writer") return Role::Writer;
  if (s == "admin") return Role::Admin;
  return std::nullopt;
}

const char* data_key_state_name(DataKeyState s) {
  switch (s) {
    case DataKeyState::Active: return "active";
    case DataKeyState::DecryptOnly: return "decrypt_only";
    case DataKeyState::Retired: return "retired";
  }
  return "active";
}

std::optional<DataKeyState> parse_data_key_state(std::string_view s) {
  if (s == "active") return DataKeyState::Active;
  if (s == "decrypt_only") return DataKeyState::DecryptOnly;
  if (s == "retired") return DataKeyState::Retired;
  return std::nullopt;
}

const char* tenant_key_state_name(TenantKeyState s) {
  switch (s) {
    case TenantKeyState::Active: return "active";
    case TenantKeyState::Retired: return "retired";
  }
  return "active";
}

std::optional<TenantKeyState> parse_tenant_key_state(std::string_view s) {
  if (s == "active") return TenantKeyState::Active;
  if (s == "retired") return TenantKeyState::Retired;
  return std::nullopt;
}

const char* key_job_type_name(KeyJobType t) {
  switch (t) {
    case KeyJobType::KekRotation: return "kek_rotation";
    case KeyJobType::DekRotation: return "dek_rotation";
  }
  return "kek_rotation";
}

std::optional<KeyJobType> parse_key_job_type(std::string_view s) {
  if (s == "kek_rotation") return KeyJobType::KekRotation;
  if (s == "dek_rotation") return KeyJobType::DekRotation;
  return std::nullopt;
}

const char* key_job_state_name(KeyJobState s) {
  switch (s) {
    case KeyJobState::Running: return "running";
    case KeyJobState::Succeeded: return "succeeded";
    case KeyJobState::Failed: return "failed";
  }
  return "running";
}

std::optional<KeyJobState> parse_key_job_state(std::string_view s) {
  if (s == "running") return KeyJobState::Running;
  if (s == "succeeded") return KeyJobState::Succeeded;
  if (s == "failed") return KeyJobState::Failed;
  return std::nullopt;
}

}  // namespace vault::storage
