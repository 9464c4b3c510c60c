#pragma once
/// Maps (method, path) to a route.
///
/// A pattern is '/'-separated segments; each segment is a literal
/// (`datasets`, `records:batch`) or a parameter `{name}`, optionally with a
/// literal prefix and/or suffix (`{id}:archive`). A parameter matches one
/// non-empty, percent-decoded segment. When several patterns match a path,
/// the most specific wins, segment by segment from the left: literal >
/// parameter with prefix/suffix > bare parameter. So `/datasets/{id}:archive`
/// and `/datasets/{id}` coexist, and `GET /datasets/x:archive` (a pattern
/// registered only for POST) is 405, not the GET of dataset "x:archive".
///
/// Register every route before the server starts; matching is then
/// lock-free and concurrent.
#include "vault/http/handler.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vault::http {

struct Route {
  std::string method;   ///< upper case, e.g. "GET"
  std::string pattern;  ///< the template; also the metrics `endpoint` label
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  enum class Kind { Found, NotFound, MethodNotAllowed };
  Kind kind = Kind::NotFound;
  const Route* route = nullptr;                ///< set when Found
  std::map<std::string, std::string> params;   ///< decoded path parameters
  std::string allow;                           ///< "GET, POST" when MethodNotAllowed
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  /// Registers a route. Throws std::invalid_argument for a malformed
  /// pattern (not starting with '/', empty or unbalanced braces, two
  /// parameters in one segment, duplicate parameter names) or a duplicate
  /// (method, pattern) — programming errors found at startup.
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  /// `path` is the raw request path (percent-encoded, without the query).
  RouteMatch match(std::string_view method, std::string_view path) const;

  /// Every registered route, in registration order.
  std::vector<const Route*> routes() const;

 private:
  struct Pattern;
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

/// Percent-decodes `in`; returns false on a malformed escape (the output is
/// then unspecified). '+' is kept unless `plus_as_space`.
bool percent_decode(std::string_view in, std::string& out, bool plus_as_space = false);

/// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). Later
/// duplicates do not replace earlier values. Returns false on a malformed escape.
bool parse_query(std::string_view query, std::map<std::string, std::string>& out);

}  // namespace vault::http
