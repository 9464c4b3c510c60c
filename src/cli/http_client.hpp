#pragma once
/// A small libcurl "easy" wrapper for the vault CLI: one JSON request at a
/// time, plus streaming upload (read callback, constant memory) and streaming
/// download (write callback straight into a FILE*).
///
/// Transport failures (cannot connect, connection reset, timeouts) are
/// returned as `TransportError`; HTTP error statuses are *not* failures here —
/// they come back as an `HttpResponse` with the server's error JSON as body.
#include <cstdint>
#include <cstdio>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vault::cli {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;                            ///< whole body (not for streamed 2xx downloads)

  bool ok() const { return status >= 200 && status < 300; }
  /// Header value or "" when absent (name lower-case).
  std::string header(const std::string& name) const;
};

struct TransportError {
  std::string message;    ///< curl's description, with the URL
  bool local_io = false;  ///< the local sink failed (not the connection)
};

template <class T>
using HttpResult = std::expected<T, TransportError>;

/// Called with the bytes moved so far (upload: sent; download: received) and
/// the total when known.
using ProgressFn = std::function<void(std::uint64_t done, std::optional<std::uint64_t> total)>;

/// Calls curl_global_init once for the process; must run before threads start.
void http_global_init();

class HttpClient {
 public:
  /// `base_url` like "http://127.0.0.1:8080" (no trailing slash needed);
  /// `api_key` sent as `Authorization: Bearer` when not empty.
  HttpClient(std::string base_url, std::string api_key);

  /// A request with an optional JSON body. `headers` are extra "Name: value" lines.
  ///
  /// Retries (spec 3.2): an idempotent request — GET, HEAD, PUT, DELETE, or
  /// any request that carries an Idempotency-Key — is made up to 3 times
  /// when the connection fails or the server answers 429, 502, 503 or 504;
  /// it waits the exponential backoff with jitter (100 ms doubling, at most
  /// 5 s) or the server's Retry-After, whichever is longer. An answer whose
  /// Retry-After exceeds 10 s is returned at once (a maintenance window is
  /// not worth blocking a terminal for). Other requests are made once.
  HttpResult<HttpResponse> request(const std::string& method, const std::string& path_and_query,
                                   const std::optional<std::string>& json_body = std::nullopt,
                                   const std::vector<std::string>& headers = {}) const;

  /// POSTs the whole of `src` (read in small chunks) with `content_type`.
  /// `size` is the byte count when known (Content-Length), else the body is
  /// sent with chunked transfer encoding.
  HttpResult<HttpResponse> upload(const std::string& path_and_query, std::FILE* src,
                                  std::optional<std::uint64_t> size, const std::string& content_type,
                                  const ProgressFn& progress) const;

  /// GETs `path_and_query`; a 2xx body is written to `sink` as it arrives,
  /// any other body is kept in the response for error reporting.
  HttpResult<HttpResponse> download(const std::string& path_and_query, std::FILE* sink,
                                    const ProgressFn& progress) const;

  /// Percent-encodes one path segment or query value.
  static std::string escape(const std::string& s);
  /// A fresh "Idempotency-Key: ..." header line (random, 128 bits): makes a
  /// create request safe to retry (the server replays the first answer).
  static std::string idempotency_key_header();

  const std::string& base_url() const { return base_url_; }

 private:
  HttpResult<HttpResponse> request_once(const std::string& method, const std::string& path_and_query,
                                        const std::optional<std::string>& json_body,
                                        const std::vector<std::string>& headers) const;

  std::string base_url_;
  std::string api_key_;
};

}  // namespace vault::cli
