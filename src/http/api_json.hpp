#pragma once
// JSON views of domain objects and request parsing helpers shared by the
// API route files. Helpers throw VaultException on bad input; the server
// renders it in the error format.
#include "vault/domain/record_service.hpp"
#include "vault/http/handler.hpp"
#include "vault/storage/types.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace vault::http::api {

boost::json::object to_json(const storage::Tenant& t);
boost::json::object to_json(const storage::ApiKey& k);
boost::json::object to_json(const storage::Dataset& d);
boost::json::object to_json(const storage::Version& v);
/// The record view as JSON text; the payload is spliced in verbatim.
std::string record_json(const domain::RecordView& r);

std::string etag_of(std::int64_t n);
/// If-Match as a number: `"3"`, `W/"3"` or `3`; nullopt when absent or `*`.
std::optional<std::int64_t> if_match(const Request& req);

/// Requires a JSON Content-Type (415 otherwise) and a JSON object body (400).
boost::json::object json_object_body(const Request& req);
/// Requires a JSON Content-Type; returns the raw body text (validated later).
std::string_view json_text_body(const Request& req);
/// `limit` query parameter in [1, max] (default def).
int limit_param(const Request& req, int def = 100, int max = 1000);
/// Optional positive integer query parameter (e.g. version).
std::optional<std::int64_t> int_param(const Request& req, const std::string& name);
/// Optional string field of a JSON object (Validation if of another type).
std::optional<std::string> string_field(const boost::json::object& o, std::string_view name);
/// Unwraps or throws.
template <class T>
T must(Result<T> r) {
  return value_or_throw(std::move(r));
}
inline void must(Status s) {
  if (!s) throw VaultException(std::move(s.error()));
}

Response page_response(boost::json::array items, const std::optional<std::string>& next_cursor);

}  // namespace vault::http::api
