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

}  // namespace vault::storage
