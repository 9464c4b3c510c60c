#include "http/authorize.hpp"

namespace vault::http {
namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

/// The first Authorization header, without copying.
std::string_view authorization_header(const Request& req) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() == 13 && iequals_prefix(k, "authorization")) return v;
  }
  return {};
}

Status authenticate(Request& req, const Authenticator* authenticator) {
  const std::string_view token = bearer_token(req);
  if (token.empty()) return fail(ErrorKind::Authentication, "missing bearer token");
  if (!authenticator || !*authenticator) return fail(ErrorKind::Authentication, "invalid API key");
  Result<Principal> p = (*authenticator)(token);
  if (!p) return fail(std::move(p.error()));
  req.ctx.tenant_id = std::move(p->tenant_id);
  req.ctx.api_key_id = std::move(p->api_key_id);
  req.ctx.role = p->role;
  req.ctx.platform_admin = p->platform_admin;
  req.ctx.permissions = std::move(p->permissions);
  return {};
}

}  // namespace

std::string_view bearer_token(const Request& req) {
  std::string_view token = authorization_header(req);
  if (!iequals_prefix(token, "bearer ")) return {};
  token.remove_prefix(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Status authorize(Request& req, const RouteOptions& opts, const Authenticator* authenticator) {
  if (!opts.authenticated) return {};
  if (Status s = authenticate(req, authenticator); !s) return s;
  if (opts.admin_only && !req.ctx.platform_admin) {
    return fail(ErrorKind::Authorization, "this operation requires the platform admin key");
  }
  if (static_cast<int>(req.ctx.role) < static_cast<int>(opts.min_role)) {
    return fail(ErrorKind::Authorization, "the API key's role does not allow this operation");
  }
  return {};
}

Status authorize_metrics(Request& req, const Authenticator* authenticator, std::string_view metrics_token) {
  const std::string_view token = bearer_token(req);
  if (!metrics_token.empty() && constant_time_equals(token, metrics_token)) return {};
  if (token.empty()) return fail(ErrorKind::Authentication, "missing bearer token");
  if (Status s = authenticate(req, authenticator); !s) return s;
  if (!req.ctx.platform_admin) {
    return fail(ErrorKind::Authorization, "/metrics requires the metrics token or the platform admin key");
  }
  return {};
}

}  // namespace vault::http
