#pragma once
/// A minimal S3 REST client on libcurl: signed (SigV4) requests against one
/// bucket, path-style (http://endpoint/bucket/key, what S3-compatible servers
/// expect) or virtual-hosted (https://bucket.s3.region.amazonaws.com/key).
/// Easy handles are pooled, so connections are kept alive between requests.
/// Thread-safe.
#include "storage/sigv4.hpp"
#include "vault/core/error.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vault::storage::s3 {

struct Config {
  std::string bucket;
  std::string prefix;    ///< prepended to every key ("" or ending in '/')
  std::string endpoint;  ///< scheme://host[:port]; "" = https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  bool path_style = true;
  sigv4::Credentials credentials;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};      ///< GET (spec timeouts.storage.read_timeout)
  std::chrono::milliseconds write_timeout{30000};     ///< PUT, multipart
  std::chrono::milliseconds metadata_timeout{5000};   ///< HEAD, LIST, DELETE
  std::size_t multipart_threshold = 16u << 20;        ///< larger objects go up in parts
  std::size_t part_size = 8u << 20;                   ///< >= 5 MiB on AWS (except the last part)
};

/// Parses s3://BUCKET[/prefix]?endpoint=..&region=..&path_style=true|false
/// [&multipart_threshold=BYTES&part_size=BYTES]; credentials come from
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
/// Configuration error naming what is wrong (never echoing the secret).
Result<Config> parse_url(const std::string& url);

struct Response {
  long status = 0;
  std::string body;
  std::string etag;
};

class Client {
 public:
  explicit Client(Config c);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// One signed request on `object` (a key below the prefix; "" = the
  /// bucket itself). A transport failure is BlobStorage; any HTTP status is
  /// returned as it is (the caller maps it).
  Result<Response> send(const std::string& method, const std::string& object,
                        const std::map<std::string, std::string>& query, std::string_view body,
                        std::chrono::milliseconds timeout);
  /// Receives the body of a successful (2xx) answer piece by piece instead
  /// of Response::body; returning false aborts the transfer.
  using BodySink = std::function<bool(std::string_view)>;
  /// send() whose 2xx body goes to `sink` (a streaming GET); an error
  /// answer's body still lands in Response::body.
  Result<Response> send_to(const std::string& method, const std::string& object,
                           const std::map<std::string, std::string>& query, std::chrono::milliseconds timeout,
                           const BodySink& sink);
  const Config& config() const { return c_; }

 private:
  void* acquire();
  void release(void* h);
  Result<Response> perform(const std::string& method, const std::string& object,
                           const std::map<std::string, std::string>& query, std::string_view body,
                           std::chrono::milliseconds timeout, const BodySink* sink);

  const Config c_;
  std::string scheme_host_;  ///< scheme://host[:port] the requests go to
  std::string host_;         ///< the Host header (signed)
  std::mutex mu_;
  std::vector<void*> idle_;
};

/// The <Code> and <Message> of an S3 error body, "" when absent.
std::string xml_value(std::string_view xml, std::string_view tag, std::size_t from = 0);
/// An HTTP answer that is not a success, as Error(BlobStorage) with the S3
/// error code; throttling (503 SlowDown, 429) is marked {"throttled": true}.
Error status_error(const Response& r, std::string_view operation);

}  // namespace vault::storage::s3
