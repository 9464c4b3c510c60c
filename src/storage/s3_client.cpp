#include "storage/s3_client.hpp"

#include "vault/core/ids.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace vault::storage::s3 {
namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::size_t> parse_size(const std::string& key, const std::string& v) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 1 || n > (1ull << 34))
    return fail(ErrorKind::Configuration, "the s3 URL parameter " + key + " must be a byte count");
  return static_cast<std::size_t>(n);
}

std::string amz_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

/// Where a response body goes: a 2xx body to the sink when there is one,
/// anything else into `body`.
struct BodyTarget {
  CURL* handle = nullptr;
  std::string* body = nullptr;
  const Client::BodySink* sink = nullptr;
};

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* target) {
  auto* t = static_cast<BodyTarget*>(target);
  if (t->sink) {
    long status = 0;
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status / 100 == 2) return (*t->sink)(std::string_view(p, size * n)) ? size * n : 0;
  }
  t->body->append(p, size * n);
  return size * n;
}

std::size_t on_header(char* p, std::size_t size, std::size_t n, void* out) {
  std::string_view line(p, size * n);
  constexpr std::string_view kEtag = "etag:";
  if (line.size() > kEtag.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kEtag.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(line[i])) != kEtag[i]) match = false;
    if (match) {
      std::string v(line.substr(kEtag.size()));
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      *static_cast<std::string*>(out) = v;
    }
  }
  return size * n;
}

}  // namespace

Result<Config> parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) return fail(ErrorKind::Configuration, "an s3 URL starts with s3://");
  std::string rest = url.substr(kScheme.size());
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  Config c;
  const auto slash = rest.find('/');
  c.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) c.prefix = rest.substr(slash + 1);
  if (!c.prefix.empty() && c.prefix.back() != '/') c.prefix += '/';
  if (c.bucket.empty() || c.bucket.size() > 63)
    return fail(ErrorKind::Configuration, "the s3 URL must name a bucket: s3://BUCKET[/prefix]?endpoint=...");
  for (char ch : c.bucket)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
      return fail(ErrorKind::Configuration, "an s3 bucket name is lower-case letters, digits, '-' and '.'");
  bool path_style_set = false;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    const auto amp = query.find('&', pos);
    const std::string item = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? query.size() + 1 : amp + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1));
    if (key == "endpoint") {
      if (!value.starts_with("http://") && !value.starts_with("https://"))
        return fail(ErrorKind::Configuration, "the s3 endpoint must be an http:// or https:// URL");
      c.endpoint = value;
      while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
    } else if (key == "region") {
      c.region = value;
    } else if (key == "path_style") {
      if (value != "true" && value != "false")
        return fail(ErrorKind::Configuration, "the s3 URL parameter path_style must be true or false");
      c.path_style = value == "true";
      path_style_set = true;
    } else if (key == "multipart_threshold") {
      auto n = parse_size(key, value);
      if (!n) return std::unexpected(n.error());
      c.multipart_threshold = *n;
    } else if (key == "part_size") {
      auto n = parse_size(key, value);
      if (!n) return std::unexpected(n.error());
      c.part_size = *n;
    } else {
      return fail(ErrorKind::Configuration, "unknown s3 URL parameter \"" + key +
                                                "\" (endpoint, region, path_style, multipart_threshold, part_size)");
    }
  }
  if (c.endpoint.empty()) {
    c.endpoint = "https://s3." + c.region + ".amazonaws.com";
    if (!path_style_set) c.path_style = false;
  }
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (!id || !*id || !secret || !*secret)
    return fail(ErrorKind::Configuration,
                "the s3 blob store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  c.credentials.access_key_id = id;
  c.credentials.secret_access_key = secret;
  if (const char* token = std::getenv("AWS_SESSION_TOKEN")) c.credentials.session_token = token;
  return c;
}

Client::Client(Config c) : c_(std::move(c)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const auto scheme_end = c_.endpoint.find("://") + 3;
  const std::string scheme = c_.endpoint.substr(0, scheme_end);
  const std::string host = c_.endpoint.substr(scheme_end);
  host_ = c_.path_style ? host : c_.bucket + "." + host;
  scheme_host_ = scheme + host_;
}

Client::~Client() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* Client::acquire() {
  {
    std::lock_guard lk(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void Client::release(void* h) {
  curl_easy_reset(static_cast<CURL*>(h));  // keeps the connection cache
  std::lock_guard lk(mu_);
  idle_.push_back(h);
}

Result<Response> Client::send(const std::string& method, const std::string& object,
                              const std::map<std::string, std::string>& query, std::string_view body,
                              std::chrono::milliseconds timeout) {
  return perform(method, object, query, body, timeout, nullptr);
}

Result<Response> Client::send_to(const std::string& method, const std::string& object,
                                 const std::map<std::string, std::string>& query, std::chrono::milliseconds timeout,
                                 const BodySink& sink) {
  return perform(method, object, query, {}, timeout, &sink);
}

Result<Response> Client::perform(const std::string& method, const std::string& object,
                                 const std::map<std::string, std::string>& query, std::string_view body,
                                 std::chrono::milliseconds timeout, const BodySink* sink) {
  sigv4::Request req;
  req.method = method;
  req.path = c_.path_style ? "/" + c_.bucket + "/" : "/";
  if (!object.empty()) req.path += c_.prefix + object;
  req.query = query;
  req.payload_sha256 = vault::sha256_hex(body);
  const std::string date = amz_now();
  req.headers = {{"host", host_}, {"x-amz-content-sha256", req.payload_sha256}, {"x-amz-date", date}};
  if (!c_.credentials.session_token.empty()) req.headers["x-amz-security-token"] = c_.credentials.session_token;
  const std::string auth = sigv4::authorization(req, c_.credentials, c_.region, date);

  std::string url = scheme_host_ + sigv4::uri_encode(req.path, true);
  if (const std::string q = sigv4::canonical_query(query); !q.empty()) url += "?" + q;

  CURL* h = static_cast<CURL*>(acquire());
  if (!h) return fail(ErrorKind::BlobStorage, "s3: cannot create a curl handle");
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers)
    if (k != "host") headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, ("Authorization: " + auth).c_str());
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  Response out;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(c_.connect_timeout.count()));
  if (sink) {
    // A streamed object may take long in all: bound the silence (no byte for
    // `timeout`), not the whole transfer.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(timeout.count() / 1000)));
  } else {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  BodyTarget target{h, &out.body, sink};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &target);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.etag);
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "PUT" || method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    curl_easy_cleanup(h);  // its connection may be broken
    return fail(ErrorKind::BlobStorage, std::string("s3: ") + method + " failed: " + curl_easy_strerror(rc),
                {{"timeout", rc == CURLE_OPERATION_TIMEDOUT}});
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  release(h);
  return out;
}

std::string xml_value(std::string_view xml, std::string_view tag, std::size_t from) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const auto a = xml.find(open, from);
  if (a == std::string_view::npos) return {};
  const auto b = xml.find(close, a + open.size());
  if (b == std::string_view::npos) return {};
  std::string v(xml.substr(a + open.size(), b - a - open.size()));
  // The five predefined XML entities (keys and tokens are ASCII otherwise).
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '&') {
      static const std::pair<const char*, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool done = false;
      for (const auto& [name, ch] : kEntities)
        if (v.compare(i, std::strlen(name), name) == 0) {
          out += ch;
          i += std::strlen(name) - 1;
          done = true;
          break;
        }
      if (done) continue;
    }
    out += v[i];
  }
  return out;
}

Error status_error(const Response& r, std::string_view operation) {
  const std::string code = xml_value(r.body, "Code");
  const bool throttled = r.status == 429 || r.status == 503 || code == "SlowDown";
  std::string msg = "s3: " + std::string(operation) + " answered HTTP " + std::to_string(r.status);
  if (!code.empty()) msg += " " + code;
  if (r.status == 403) msg += " (check the credentials and the bucket policy)";
  return Error(ErrorKind::BlobStorage, std::move(msg),
               {{"status", r.status}, {"s3_code", code}, {"throttled", throttled}});
}

}  // namespace vault::storage::s3
