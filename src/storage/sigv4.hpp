#pragma once
/// AWS Signature Version 4 for S3 requests (the algorithm of the AWS
/// General Reference, "Signature Version 4 signing process"): canonical
/// request, string to sign, signing key derived per day/region/service, and
/// the Authorization header. Pure functions, no I/O.
#include <map>
#include <string>
#include <string_view>

namespace vault::storage::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< "" = none (else sent and signed as x-amz-security-token)
};

struct Request {
  std::string method;                         ///< GET, PUT, ...
  std::string path;                           ///< absolute, not yet encoded ("/bucket/key")
  std::map<std::string, std::string> query;   ///< not yet encoded
  std::map<std::string, std::string> headers; ///< lower-case names; host included
  std::string payload_sha256;                 ///< vault::sha256_hex of the body, or "UNSIGNED-PAYLOAD"
};

/// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~
/// is %XX (upper-case hex); '/' is kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);
/// "k1=v1&k2=v2", keys sorted, both encoded.
std::string canonical_query(const std::map<std::string, std::string>& query);
std::string canonical_request(const Request& r);

/// The Authorization header value for `r` at `amz_date` (YYYYMMDD'T'HHMMSS'Z').
/// `r.headers` must already hold every header to sign (host, x-amz-date,
/// x-amz-content-sha256, ...): all of them are signed.
std::string authorization(const Request& r, const Credentials& c, const std::string& region,
                          const std::string& amz_date, const std::string& service = "s3");

}  // namespace vault::storage::sigv4
