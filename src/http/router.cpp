#include "vault/http/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace vault::http {

namespace {

struct Segment {
  enum Kind { Param = 1, AffixedParam = 2, Literal = 3 };
  Kind kind = Literal;
  std::string literal;  ///< Literal: the text; params: the prefix
  std::string name;     ///< params only
  std::string suffix;   ///< params only

  bool matches(std::string_view s) const {
    if (kind == Literal) return s == literal;
    if (s.size() <= literal.size() + suffix.size()) return false;  // value must be non-empty
    return s.starts_with(literal) && s.ends_with(suffix);
  }
  std::string_view value(std::string_view s) const {
    return s.substr(literal.size(), s.size() - literal.size() - suffix.size());
  }
};

Segment parse_segment(std::string_view s, const std::string& pattern) {
  auto bad = [&](const char* why) { return std::invalid_argument("route pattern " + pattern + ": " + why); };
  Segment seg;
  auto open = s.find('{');
  auto close = s.find('}');
  if (open == std::string_view::npos && close == std::string_view::npos) {
    if (s.empty()) throw bad("empty segment");
    seg.literal = s;
    return seg;
  }
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) throw bad("unbalanced braces");
  if (s.find('{', open + 1) != std::string_view::npos || s.find('}', close + 1) != std::string_view::npos) {
    throw bad("two parameters in one segment");
  }
  seg.name = s.substr(open + 1, close - open - 1);
  if (seg.name.empty()) throw bad("empty parameter name");
  seg.literal = s.substr(0, open);
  seg.suffix = s.substr(close + 1);
  seg.kind = seg.literal.empty() && seg.suffix.empty() ? Segment::Param : Segment::AffixedParam;
  return seg;
}

/// Splits "/a/b" into {"a","b"}; "/" gives {""}.
template <class Out>
void split_path(std::string_view path, Out& out) {
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct Router::Pattern {
  std::string text;
  std::vector<Segment> segments;
  std::vector<std::unique_ptr<Route>> routes;  // one per method
};

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  if (method.empty()) throw std::invalid_argument("route method is empty: " + pattern);
  for (char& c : method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  Pattern* p = nullptr;
  for (auto& existing : patterns_) {
    if (existing->text == pattern) p = existing.get();
  }
  if (!p) {
    auto np = std::make_unique<Pattern>();
    np->text = pattern;
    std::vector<std::string_view> parts;
    split_path(pattern, parts);
    std::set<std::string> names;
    if (pattern == "/") {
      np->segments.push_back(Segment{});  // the empty literal
    } else {
      for (auto part : parts) {
        Segment seg = parse_segment(part, pattern);
        if (seg.kind != Segment::Literal && !names.insert(seg.name).second) {
          throw std::invalid_argument("route pattern " + pattern + ": duplicate parameter " + seg.name);
        }
        np->segments.push_back(std::move(seg));
      }
    }
    p = np.get();
    patterns_.push_back(std::move(np));
  }
  for (const auto& r : p->routes) {
    if (r->method == method) throw std::invalid_argument("duplicate route " + method + " " + pattern);
  }
  p->routes.push_back(std::make_unique<Route>(Route{std::move(method), pattern, std::move(handler), options}));
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch m;
  if (path.empty() || path[0] != '/') return m;
  // Decode each segment once (small fixed buffer for the common case).
  std::vector<std::string_view> raw;
  raw.reserve(8);
  split_path(path, raw);
  std::vector<std::string> decoded(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!percent_decode(raw[i], decoded[i])) decoded[i].assign(raw[i]);
  }

  const Pattern* best = nullptr;
  for (const auto& p : patterns_) {
    if (p->segments.size() != decoded.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < decoded.size(); ++i) ok = p->segments[i].matches(decoded[i]);
    if (!ok) continue;
    if (!best) {
      best = p.get();
      continue;
    }
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      auto a = p->segments[i].kind, b = best->segments[i].kind;
      if (a != b) {
        if (a > b) best = p.get();
        break;
      }
    }
  }
  if (!best) return m;

  for (const auto& r : best->routes) {
    if (r->method == method) {
      m.kind = RouteMatch::Kind::Found;
      m.route = r.get();
      for (std::size_t i = 0; i < decoded.size(); ++i) {
        const Segment& s = best->segments[i];
        if (s.kind != Segment::Literal) m.params.emplace(s.name, std::string(s.value(decoded[i])));
      }
      return m;
    }
  }
  std::vector<std::string_view> methods;
  for (const auto& r : best->routes) methods.push_back(r->method);
  std::sort(methods.begin(), methods.end());
  m.kind = RouteMatch::Kind::MethodNotAllowed;
  for (std::size_t i = 0; i < methods.size(); ++i) {
    if (i) m.allow += ", ";
    m.allow += methods[i];
  }
  return m;
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  for (const auto& p : patterns_) {
    for (const auto& r : p->routes) out.push_back(r.get());
  }
  return out;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_as_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int h = hex(in[i + 1]), l = hex(in[i + 2]);
      if (h < 0 || l < 0) return false;
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool parse_query(std::string_view q, std::map<std::string, std::string>& out) {
  bool ok = true;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    ok &= percent_decode(pair.substr(0, eq), key, true);
    if (eq != std::string_view::npos) ok &= percent_decode(pair.substr(eq + 1), value, true);
    out.emplace(std::move(key), std::move(value));
  }
  return ok;
}

}  // namespace vault::http
