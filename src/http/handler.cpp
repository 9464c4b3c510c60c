// The parts of the handler contract that are plain functions.
#include "vault/http/handler.hpp"
#include "http/ascii.hpp"

#include "vault/core/ids.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace vault::http {
namespace {

}  // namespace

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Request::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response Response::json(int status, const boost::json::value& v) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  r.content_type.clear();
  return r;
}

boost::json::object error_object(const Error& e, const RequestContext& ctx) {
  const std::string code = error_code_string(e.kind());
  std::string anchor = code;
  for (char& c : anchor) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  boost::json::object err;
  err["code"] = code;
  err["type"] = e.info().type;
  err["message"] = e.message();
  err["details"] = e.details();
  err["trace_id"] = ctx.trace_id;
  err["span_id"] = ctx.span_id;
  err["timestamp"] = format_rfc3339(now_micros());
  if (e.retry_after()) {
    err["retry_after"] = *e.retry_after();
  } else {
    err["retry_after"] = nullptr;
  }
  err["documentation_url"] = "/docs/error-codes.md#" + anchor;
  return err;
}

Response error_response(const Error& e, const RequestContext& ctx) {
  Response r = Response::json(e.http_status(), boost::json::object{{"error", error_object(e, ctx)}});
  if (e.retry_after()) r.with_header("Retry-After", std::to_string(*e.retry_after()));
  return r;
}

}  // namespace vault::http
