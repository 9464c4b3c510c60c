#include "vault/observability/logger.hpp"

#include "vault/core/ids.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <unistd.h>

namespace vault::obs {

struct Logger::Shared {
  std::atomic<int> level;
  LogSink sink;
};

std::optional<LogLevel> parse_log_level(std::string_view s) {
  std::string l;
  for (char c : s) l += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (l == "debug") return LogLevel::Debug;
  if (l == "info") return LogLevel::Info;
  if (l == "warn" || l == "warning") return LogLevel::Warn;
  if (l == "error") return LogLevel::Error;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

LogSink fd_sink(int fd) {
  return [fd](std::string_view line) {
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere to report: drop the line
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  };
}

Logger::Logger(std::string name, LogLevel level, LogSink sink)
    : name_(std::move(name)), shared_(std::make_shared<Shared>()) {
  shared_->level.store(static_cast<int>(level));
  shared_->sink = sink ? std::move(sink) : fd_sink(STDOUT_FILENO);
}

Logger Logger::named(std::string name) const {
  Logger l(*this);
  l.name_ = std::move(name);
  return l;
}

void Logger::set_level(LogLevel l) noexcept { shared_->level.store(static_cast<int>(l), std::memory_order_relaxed); }
LogLevel Logger::level() const noexcept {
  return static_cast<LogLevel>(shared_->level.load(std::memory_order_relaxed));
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++p;
      continue;
    }
    // Validate one UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF).
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && static_cast<std::size_t>(end - p) >= len;
    for (std::size_t i = 1; ok && i < len; ++i) {
      if ((p[i] & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (ok) {
      if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        ok = false;
      }
    }
    if (ok) {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    } else {
      out += "\\ufffd";
      ++p;
    }
  }
  out += '"';
}

namespace {

void append_optional_string(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "null";
  } else {
    append_json_string(out, s);
  }
}

void append_value(std::string& out, const LogValue& v) {
  char buf[64];
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_json_string(out, x);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(x)) {
            out += "null";  // JSON has no NaN/Inf
          } else {
            auto r = std::to_chars(buf, buf + sizeof buf, x);
            out.append(buf, r.ptr);
          }
        } else {
          auto r = std::to_chars(buf, buf + sizeof buf, x);
          out.append(buf, r.ptr);
        }
      },
      v.get());
}

}  // namespace

std::string Logger::format(LogLevel level, std::string_view message, std::span<const LogField> fields,
                           const LogContext& ctx, std::int64_t micros) const {
  std::string out;
  out.reserve(256);
  out += "{\"timestamp\":\"";
  out += format_rfc3339(micros);
  out += "\",\"level\":\"";
  out += log_level_name(level);
  out += "\",\"logger\":";
  append_json_string(out, name_);
  out += ",\"message\":";
  append_json_string(out, message);
  out += ",\"trace_id\":";
  append_optional_string(out, ctx.trace_id);
  out += ",\"span_id\":";
  append_optional_string(out, ctx.span_id);
  out += ",\"tenant_id\":";
  append_optional_string(out, ctx.tenant_id);
  out += ",\"fields\":{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, fields[i].key);
    out += ':';
    append_value(out, fields[i].value);
  }
  out += "}}\n";
  return out;
}

void Logger::log(LogLevel level, std::string_view message, std::span<const LogField> fields,
                 const LogContext& ctx) const noexcept {
  if (!enabled(level)) return;
  try {
    std::string line = format(level, message, fields, ctx, now_micros());
    shared_->sink(line);
  } catch (...) {
    // Logging must never take the caller down; the line is lost.
  }
}

}  // namespace vault::obs
