#include "cli/http_client.hpp"

#include <curl/curl.h>

#include "vault/resilience/retry.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <random>
#include <thread>

namespace vault::cli {
namespace {

constexpr std::size_t kMaxErrorBody = 1 << 20;  // enough for any error JSON

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (e.g. after 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    (*headers)[name] = trim(line.substr(colon + 1));
  }
  return size * n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  body->append(data, size * n);
  return size * n;
}

struct DownloadState {
  CURL* handle = nullptr;
  std::FILE* sink = nullptr;
  std::string* error_body = nullptr;
  bool decided = false;
  bool to_sink = false;
  bool sink_failed = false;
};

std::size_t on_download(char* data, std::size_t size, std::size_t n, void* user) {
  auto* st = static_cast<DownloadState*>(user);
  const std::size_t len = size * n;
  if (!st->decided) {
    long code = 0;
    curl_easy_getinfo(st->handle, CURLINFO_RESPONSE_CODE, &code);
    st->to_sink = code >= 200 && code < 300;
    st->decided = true;
  }
  if (st->to_sink) {
    if (std::fwrite(data, 1, len, st->sink) != len) {
      st->sink_failed = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    return len;
  }
  if (st->error_body->size() < kMaxErrorBody) st->error_body->append(data, len);
  return len;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* src = static_cast<std::FILE*>(user);
  std::size_t got = std::fread(buffer, 1, size * n, src);
  if (got == 0 && std::ferror(src)) return CURL_READFUNC_ABORT;
  return got;
}

struct ProgressState {
  const ProgressFn* fn = nullptr;
  bool upload = false;
  std::optional<std::uint64_t> total;
};

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t /*ultotal*/,
                curl_off_t ulnow) {
  auto* st = static_cast<ProgressState*>(user);
  if (st->fn && *st->fn) {
    if (st->upload) {
      (*st->fn)(static_cast<std::uint64_t>(ulnow), st->total);
    } else {
      std::optional<std::uint64_t> total;
      if (dltotal > 0) total = static_cast<std::uint64_t>(dltotal);
      (*st->fn)(static_cast<std::uint64_t>(dlnow), total);
    }
  }
  return 0;
}

/// One prepared transfer: handle, header list and the response being filled.
struct Transfer {
  Easy easy;
  Slist headers;
  HttpResponse response;
  char errbuf[CURL_ERROR_SIZE] = {};

  void add_header(const std::string& h) {
    curl_slist* l = curl_slist_append(headers.release(), h.c_str());
    headers.reset(l);
  }
};

std::unique_ptr<Transfer> prepare(const std::string& base, const std::string& key,
                                  const std::string& path, const std::vector<std::string>& extra) {
  auto t = std::make_unique<Transfer>();
  t->easy.reset(curl_easy_init());
  CURL* h = t->easy.get();
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t->response.headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "vault-cli/0.1");
  if (!key.empty()) t->add_header("Authorization: Bearer " + key);
  t->add_header("Expect:");  // never wait for 100-continue
  for (const auto& x : extra) t->add_header(x);
  return t;
}

HttpResult<HttpResponse> perform(Transfer& t, const std::string& url_for_errors) {
  curl_easy_setopt(t.easy.get(), CURLOPT_HTTPHEADER, t.headers.get());
  CURLcode rc = curl_easy_perform(t.easy.get());
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &t.response.status);
  if (rc != CURLE_OK) {
    std::string msg = t.errbuf[0] ? std::string(t.errbuf) : std::string(curl_easy_strerror(rc));
    // The server may answer early (e.g. 4xx) and close while we still send.
    if (rc == CURLE_SEND_ERROR && t.response.status >= 400) return std::move(t.response);
    return std::unexpected(TransportError{url_for_errors + ": " + msg});
  }
  return std::move(t.response);
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

void http_global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

HttpClient::HttpClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)) {}

std::string HttpClient::escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

HttpResult<HttpResponse> HttpClient::request_once(const std::string& method, const std::string& path,
                                             const std::optional<std::string>& json_body,
                                             const std::vector<std::string>& headers) const {
  auto t = prepare(base_url_, api_key_, path, headers);
  CURL* h = t->easy.get();
  t->add_header("Accept: application/json");
  if (json_body) {
    t->add_header("Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body->size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body->c_str());
  } else if (method == "POST" || method == "PUT" || method == "PATCH") {
    t->add_header("Content-Type:");  // no body: drop curl's form default
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
  }
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" && method != "POST") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "POST" && !json_body) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t->response.body);
  return perform(*t, method + " " + base_url_ + path);
}

namespace {

bool retryable_status(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

/// Seconds of a Retry-After header in its delta-seconds form, if any.
std::optional<int> retry_after_seconds(const HttpResponse& r) {
  const std::string v = r.header("retry-after");
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

HttpResult<HttpResponse> HttpClient::request(const std::string& method, const std::string& path,
                                             const std::optional<std::string>& json_body,
                                             const std::vector<std::string>& headers) const {
  constexpr int kMaxRetryAfterSeconds = 10;
  const RetryPolicy policy;  // the spec's defaults: 3 attempts, 100 ms .. 5 s, jitter 0.5
  const bool idempotent =
      method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
      std::any_of(headers.begin(), headers.end(), [](const std::string& h) {
        return h.size() > 16 && std::equal(h.begin(), h.begin() + 16, "Idempotency-Key:",
                                           [](char a, char b) { return std::tolower(a) == std::tolower(b); });
      });
  std::minstd_rand rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 1;; ++attempt) {
    auto r = request_once(method, path, json_body, headers);
    if (!idempotent || attempt >= policy.max_attempts) return r;
    std::chrono::milliseconds wait = resilience::backoff_delay(policy, attempt - 1, unit(rng));
    if (r) {
      if (!retryable_status(r->status)) return r;
      if (auto ra = retry_after_seconds(*r)) {
        if (*ra > kMaxRetryAfterSeconds) return r;
        wait = std::max(wait, std::chrono::milliseconds(*ra * 1000));
      }
    } else if (r.error().local_io) {
      return r;
    }
    std::this_thread::sleep_for(wait);
  }
}

std::string HttpClient::idempotency_key_header() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    std::random_device rd;
    for (auto& c : b) c = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "Idempotency-Key: cli-";
  for (unsigned char c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

HttpResult<HttpResponse> HttpClient::upload(const std::string& path, std::FILE* src,
                                            std::optional<std::uint64_t> size,
                                            const std::string& content_type,
                                            const ProgressFn& progress) const {
  std::vector<std::string> extra{"Content-Type: " + content_type, "Accept: application/json"};
  if (!size) extra.emplace_back("Transfer-Encoding: chunked");
  auto t = prepare(base_url_, api_key_, path, extra);
  CURL* h = t->easy.get();
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, src);
  if (size) curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(*size));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t->response.body);
  ProgressState ps{&progress, true, size};
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ps);
  return perform(*t, "POST " + base_url_ + path);
}

HttpResult<HttpResponse> HttpClient::download(const std::string& path, std::FILE* sink,
                                              const ProgressFn& progress) const {
  auto t = prepare(base_url_, api_key_, path, {"Accept: application/x-ndjson, application/json"});
  CURL* h = t->easy.get();
  DownloadState ds{h, sink, &t->response.body};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_download);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ds);
  ProgressState ps{&progress, false, std::nullopt};
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ps);
  auto r = perform(*t, "GET " + base_url_ + path);
  if (!r && ds.sink_failed) return std::unexpected(TransportError{"writing the output failed", true});
  return r;
}

}  // namespace vault::cli
