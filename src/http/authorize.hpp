#pragma once
/// The authentication stage: from the request headers only, before any body
/// byte is read (the connection runs it right after routing). Asio-free and
/// socket-free, so it is unit-tested and fuzzed directly.
#include "vault/http/handler.hpp"

#include <string_view>

namespace vault::http {

/// The bearer secret of an `Authorization: Bearer <secret>` header (scheme
/// case-insensitive, surrounding spaces trimmed), or "" when absent/other.
std::string_view bearer_token(const Request& req);

/// Authenticates and authorizes `req` for `opts` (role, admin_only), filling
/// req.ctx with the principal. Routes without `authenticated` pass untouched.
/// AuthenticationError (401) / AuthorizationError (403).
Status authorize(Request& req, const RouteOptions& opts, const Authenticator* authenticator);

/// GET /metrics on the API listener: the configured metrics token (compared
/// in constant time; "" = none configured) or a platform admin API key.
/// Fills req.ctx only for an API key.
Status authorize_metrics(Request& req, const Authenticator* authenticator, std::string_view metrics_token);

/// Equality that does not stop at the first differing byte (secrets).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace vault::http
