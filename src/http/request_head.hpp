#pragma once
/// What the connection learns from a parsed request head before any body
/// byte: request id and trace context, the lower-cased header list,
/// Expect: 100-continue, and the decoded target. No I/O, so the libFuzzer
/// target (tests/fuzz/http_request_fuzz.cpp) drives it without sockets.
#include "vault/core/error.hpp"
#include "vault/http/handler.hpp"
#include "vault/http/router.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace vault::http {

struct RequestHead {
  /// method, target, path, query, headers (names lower-cased) and ctx ids
  /// (request id, trace id, parent span, a new span id). No deadline, no body.
  Request req;
  std::string raw_path;  ///< target before '?', not decoded (routing input)
  std::uint8_t trace_flags = 0;
  bool expect_continue = false;
  /// MalformedRequest when the target is not an absolute path or has a bad
  /// percent-escape (req.path/query are then incomplete).
  std::optional<Error> error;
};

/// Reads `head`. Never throws except std::bad_alloc.
RequestHead read_request_head(const boost::beast::http::request_header<>& head);

/// Built-in routes first, then (unless null) the API routes.
RouteMatch route_request(const Router& builtin, const Router* api, std::string_view method,
                         std::string_view raw_path);

}  // namespace vault::http
