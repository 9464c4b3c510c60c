// JSON-aware scanning: walks objects and arrays, scans every object key and
// every string value (and integer numbers as their decimal text) with the
// field names on its path as context, and reports RFC 6901 pointers.
#include "ner_dictionary.hpp"
#include "scanner_impl.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <string_view>

namespace vault::pii {
namespace {

void append_pointer_token(std::string& path, std::string_view key) {
  path.push_back('/');
  for (char c : key) {
    if (c == '~') path += "~0";
    else if (c == '/') path += "~1";
    else path.push_back(c);
  }
}

/// Findings of short leaves already scanned on this thread. Records repeat
/// their keys and enum-like values ("role": "user", "lang": "en"), and every
/// leaf costs two database scans and a NER pass: a repeated one is looked
/// up instead. The key holds everything the result depends on: the scanner
/// (its unique id), the options, the context field names and the text.
struct LeafCache {
  static constexpr std::size_t kMaxText = 48, kMaxEntries = 2048;
  /// Looked up by string_view (no key string built for a hit).
  ner::WordMap<std::vector<Finding>> found;
  std::string key;  // the key being looked up, its memory reused
};
thread_local LeafCache leaf_cache;

/// The options as part of a cache key.
std::string options_key(std::uint64_t scanner, const ScanOptions& o) {
  std::string k = std::to_string(scanner) + '|' + std::to_string(o.min_score) + '|' +
                  char('0' + o.code_point_offsets) + char('0' + o.resolve_overlaps) + char('0' + o.use_context);
  for (const auto& e : o.entities) k += '|' + e;
  k += '\x1f';
  return k;
}

struct Walker {
  const Scanner::Impl& impl;
  const ScanOptions& options;
  Scanner::Impl::Active active;
  hs_scratch_t* scratch;
  Scanner::Impl::MatchContext ctx;
  std::vector<JsonFinding> out;
  std::string path;
  std::vector<std::string_view> keys;  // enclosing field names, innermost last
  std::string cache_prefix;             // options_key() of this walk
  std::string field;                    // the context of the current leaf, its memory reused

  /// Scans `text` with the enclosing field names as context; findings are
  /// reported at the current path (`in_key`: the text is the member's key).
  void leaf(std::string_view text, bool in_key = false) {
    // The two innermost field names are the context ("user.email" -> "user email").
    field.clear();
    for (std::size_t i = keys.size() > 2 ? keys.size() - 2 : 0; i < keys.size(); ++i) {
      field += keys[i];
      field.push_back(' ');
    }
    // Both the raw names ("api_key") and their words ("api key") are context.
    const std::size_t raw = field.size();
    for (std::size_t i = 0; i < raw; ++i) {
      const char c = field[i];
      field.push_back(c == '_' || c == '-' || c == '.' ? ' ' : c);
    }
    if (text.size() <= LeafCache::kMaxText) {
      std::string& key = leaf_cache.key;
      key.assign(cache_prefix);
      key += field;
      key += '\x1f';
      key += text;
      auto& cache = leaf_cache.found;
      auto it = cache.find(std::string_view(key));
      if (it == cache.end()) {
        if (cache.size() >= LeafCache::kMaxEntries) cache.clear();
        it = cache.emplace(key, impl.finish(impl.scan(text, options, active, field, scratch, ctx), text, options))
                 .first;
      }
      for (const auto& f : it->second) out.push_back({f, path, in_key});
      return;
    }
    auto found = impl.scan(text, options, active, field, scratch, ctx);
    for (auto& f : impl.finish(std::move(found), text, options)) out.push_back({std::move(f), path, in_key});
  }

  void walk(const boost::json::value& v, int depth) {
    if (depth > 256) return;  // pathological nesting: stop descending
    switch (v.kind()) {
      case boost::json::kind::object:
        for (const auto& kv : v.get_object()) {
          auto saved = path.size();
          append_pointer_token(path, kv.key());
          // Keys are data too ({"jane@example.com": true}): scanned with the
          // enclosing names as context, before the key joins the context.
          if (!kv.key().empty()) leaf(kv.key(), true);
          keys.push_back(kv.key());
          walk(kv.value(), depth + 1);
          keys.pop_back();
          path.resize(saved);
        }
        break;
      case boost::json::kind::array: {
        std::size_t i = 0;
        for (const auto& item : v.get_array()) {
          auto saved = path.size();
          append_pointer_token(path, std::to_string(i++));
          walk(item, depth + 1);
          path.resize(saved);
        }
        break;
      }
      case boost::json::kind::string: leaf(v.get_string()); break;
      case boost::json::kind::int64: leaf(std::to_string(v.get_int64())); break;
      case boost::json::kind::uint64: leaf(std::to_string(v.get_uint64())); break;
      case boost::json::kind::double_: {
        double d = v.get_double();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e19) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.0f", d);
          leaf(buf);
        }
        break;
      }
      default: break;
    }
  }
};

}  // namespace

std::string last_pointer_token(std::string_view pointer) {
  const auto slash = pointer.rfind('/');
  const std::string_view token = slash == std::string_view::npos ? pointer : pointer.substr(slash + 1);
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[++i] == '0' ? '~' : '/');
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

std::vector<JsonFinding> Scanner::scan_json(const boost::json::value& value, const ScanOptions& options) const {
  Walker w{*impl_, options, impl_->active(options), impl_->scratch(), {}, {}, {}, {}, options_key(impl_->id, options), {}};
  w.walk(value, 0);
  return std::move(w.out);
}

}  // namespace vault::pii
