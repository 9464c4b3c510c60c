// Strict JSON: Boost.JSON's basic_parser with a handler that builds the
// value exactly like boost::json::parser (a value_stack) and, in addition,
// remembers the keys of every open object to refuse duplicates.
#include "vault/core/strict_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace vault {

bool is_name_like(std::string_view key) noexcept {
  if (key.empty() || key.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; };
  if (!alpha(key.front())) return false;
  int digits = 0;
  for (char c : key) {
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha(c) || digit || c == '.' || c == '-')) return false;
    digits = digit ? digits + 1 : 0;
    if (digits > 4) return false;
  }
  return true;
}

namespace {

namespace json = boost::json;

void append_pointer_token(std::string& out, std::string_view token) {
  out.push_back('/');
  if (!is_name_like(token)) {
    out.push_back('*');
    return;
  }
  for (char c : token) {
    // Name-like tokens hold neither '~' nor '/', so no escaping is needed.
    out.push_back(c);
  }
}

struct Duplicate {
  std::string pointer;
  std::string key;  ///< empty unless name-like
};

/// The handler contract of boost::json::basic_parser (Boost 1.81).
struct StrictHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  struct Key {
    std::size_t offset;
    std::size_t size;
  };
  struct Frame {
    bool object;
    std::size_t first_key;    ///< index into keys of this object's first key
    std::size_t key_bytes;    ///< keybuf size when the object began
    std::size_t index;        ///< arrays: values completed so far
  };

  json::value_stack st;
  std::string keybuf;         ///< keys of every open object, concatenated
  std::vector<Key> keys;
  std::vector<Frame> frames;
  std::optional<std::size_t> key_start;  ///< keybuf offset of a key being assembled
  std::optional<Duplicate> duplicate;

  void clear() {
    keybuf.clear();
    keys.clear();
    frames.clear();
    key_start.reset();
    duplicate.reset();
  }

  std::string_view key_at(std::size_t i) const { return {keybuf.data() + keys[i].offset, keys[i].size}; }

  void completed() {
    if (!frames.empty() && !frames.back().object) ++frames.back().index;
  }

  /// Index (into keys) of a key repeated in the innermost object, if any.
  std::optional<std::size_t> find_duplicate() const {
    const std::size_t first = frames.back().first_key;
    const std::size_t n = keys.size() - first;
    if (n < 2) return std::nullopt;
    if (n <= 16) {
      for (std::size_t i = first + 1; i < keys.size(); ++i)
        for (std::size_t j = first; j < i; ++j)
          if (key_at(i) == key_at(j)) return i;
      return std::nullopt;
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = first + i;
    std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
      const auto ka = key_at(a), kb = key_at(b);
      return ka != kb ? ka < kb : a < b;
    });
    for (std::size_t i = 1; i < n; ++i)
      if (key_at(order[i]) == key_at(order[i - 1])) return order[i];
    return std::nullopt;
  }

  Duplicate describe(std::size_t dup) const {
    Duplicate d;
    // Every enclosing frame contributes the token under which its child sits.
    for (std::size_t f = 0; f + 1 < frames.size(); ++f) {
      if (frames[f].object) {
        append_pointer_token(d.pointer, key_at(frames[f + 1].first_key - 1));
      } else {
        d.pointer += '/';
        d.pointer += std::to_string(frames[f].index);
      }
    }
    const std::string_view key = key_at(dup);
    append_pointer_token(d.pointer, key);
    if (is_name_like(key)) d.key.assign(key);
    return d;
  }

  bool on_document_begin(json::error_code&) {
    clear();
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    frames.push_back({true, keys.size(), keybuf.size(), 0});
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    // The first duplicate is remembered and parsing goes on: invalid JSON
    // later in the text is reported as such (MalformedRequest first).
    if (!duplicate)
      if (auto dup = find_duplicate()) duplicate = describe(*dup);
    st.push_object(n);
    keys.resize(frames.back().first_key);
    keybuf.resize(frames.back().key_bytes);
    frames.pop_back();
    completed();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    frames.push_back({false, keys.size(), keybuf.size(), 0});
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    frames.pop_back();
    completed();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (!key_start) key_start = keybuf.size();
    keybuf.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code&) {
    if (!key_start) key_start = keybuf.size();
    keybuf.append(s.data(), s.size());
    keys.push_back({*key_start, n});
    key_start.reset();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    completed();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    st.push_int64(i);
    completed();
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    st.push_uint64(u);
    completed();
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    st.push_double(d);
    completed();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    completed();
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    completed();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

json::parse_options options_for(const StrictJsonOptions& options) {
  json::parse_options o;
  o.max_depth = options.max_depth;
  o.allow_invalid_utf8 = options.allow_invalid_utf8;
  return o;
}

}  // namespace

struct StrictJsonParser::Impl {
  json::basic_parser<StrictHandler> p;
  std::string subject;
  explicit Impl(StrictJsonOptions options) : p(options_for(options)), subject(std::move(options.subject)) {}
};

StrictJsonParser::StrictJsonParser(StrictJsonOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
StrictJsonParser::~StrictJsonParser() = default;

Result<json::value> StrictJsonParser::parse(std::string_view text, json::storage_ptr sp) {
  auto& p = impl_->p;
  p.reset();
  p.handler().st.reset(std::move(sp));
  p.handler().clear();
  json::error_code ec;
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  std::optional<Duplicate> dup = std::move(p.handler().duplicate);
  if (ec || dup) {
    p.reset();
    p.handler().st.reset();
    p.handler().clear();
  }
  if (ec)
    return fail(ErrorKind::MalformedRequest, impl_->subject + " is not valid JSON: " + ec.message(),
                {{"offset", n}, {"reason", ec.message()}});
  if (dup) {
    boost::json::object details{{"pointer", dup->pointer}};
    if (!dup->key.empty()) details["key"] = dup->key;
    std::string message = dup->key.empty() ? "duplicate object key at " + dup->pointer
                                           : "duplicate object key \"" + dup->key + "\" at " + dup->pointer;
    return fail(ErrorKind::Validation, message + "; every key of an object must be unique", std::move(details));
  }
  return p.handler().st.release();
}

Result<json::value> parse_json_strict(std::string_view text) {
  thread_local StrictJsonParser parser;
  return parser.parse(text);
}

}  // namespace vault
