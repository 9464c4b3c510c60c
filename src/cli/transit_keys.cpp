#include "cli/transit_keys.hpp"

#include "vault/core/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include <cstring>
#include <iostream>

namespace vault::cli {
namespace {

constexpr int kExitDecryptFailed = 7;

/// A string field of a JSON object answer, or nullopt.
std::optional<std::string> answer_field(const std::string& body, const char* field) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* f = v.get_object().if_contains(field);
  if (!f || !f->is_string()) return std::nullopt;
  return std::string(f->get_string());
}

/// 32 bytes from the base64 in `b64`; the decoded copy is wiped.
std::optional<crypto::stream::FileKey> key_from_base64(std::string b64) {
  auto raw = base64_decode(b64);
  OPENSSL_cleanse(b64.data(), b64.size());
  if (!raw || raw->size() != crypto::stream::kKeySize) {
    if (raw) OPENSSL_cleanse(raw->data(), raw->size());
    return std::nullopt;
  }
  std::array<std::uint8_t, crypto::stream::kKeySize> bytes{};
  std::memcpy(bytes.data(), raw->data(), bytes.size());
  OPENSSL_cleanse(raw->data(), raw->size());
  crypto::stream::FileKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

}  // namespace

std::optional<TransitDataKey> fetch_transit_data_key(const Context& ctx, const std::string& name, int& rc) {
  auto r = ctx.client().request("POST", "/api/v1/transit/datakey/" + HttpClient::escape(name) + "/plaintext",
                                std::string("{}"));
  if (!r) {
    rc = report_transport_error(r.error());
    return std::nullopt;
  }
  if (!r->ok()) {
    rc = report_http_error(*r);
    return std::nullopt;
  }
  auto wrapped = answer_field(r->body, "ciphertext");
  auto plaintext = answer_field(r->body, "plaintext");
  std::optional<crypto::stream::FileKey> key;
  if (plaintext) key = key_from_base64(std::move(*plaintext));
  OPENSSL_cleanse(r->body.data(), r->body.size());
  if (!wrapped || !key) {
    std::cerr << "error: the server's data key answer is malformed\n";
    rc = exit_code::generic;
    return std::nullopt;
  }
  return TransitDataKey{std::move(*key), std::move(*wrapped)};
}

std::optional<crypto::stream::FileKey> unwrap_transit_data_key(const Context& ctx, const std::string& name,
                                                               const std::string& wrapped, int& rc) {
  boost::json::object body{{"ciphertext", wrapped}};
  auto r = ctx.client().request("POST", "/api/v1/transit/decrypt/" + HttpClient::escape(name),
                                boost::json::serialize(body));
  if (!r) {
    rc = report_transport_error(r.error());
    return std::nullopt;
  }
  if (!r->ok()) {
    rc = report_http_error(*r);
    if (r->status == 400) rc = kExitDecryptFailed;
    return std::nullopt;
  }
  auto plaintext = answer_field(r->body, "plaintext");
  OPENSSL_cleanse(r->body.data(), r->body.size());
  std::optional<crypto::stream::FileKey> key;
  if (plaintext) key = key_from_base64(std::move(*plaintext));
  if (!key) {
    std::cerr << "error: the server's decrypt answer is not a 32-byte data key\n";
    rc = exit_code::generic;
  }
  return key;
}

}  // namespace vault::cli
