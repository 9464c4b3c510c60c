#pragma once
/// Structured JSON logging: one line per event, written with a single
/// write() so concurrent lines never interleave:
///
///   {"timestamp":"2026-01-02T03:04:05.678Z","level":"info","logger":"http",
///    "message":"request","trace_id":"…","span_id":"…","tenant_id":"…",
///    "fields":{"status":200,"duration_ms":1.2}}
///
/// trace_id/span_id/tenant_id are null when unknown. Logging never throws.
/// Never log plaintext record data or key material.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace vault::obs {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

/// "debug" | "info" | "warn" (or "warning") | "error", case-insensitive.
std::optional<LogLevel> parse_log_level(std::string_view s);
std::string_view log_level_name(LogLevel l);

/// A field value: string, integer, floating point or boolean. Strings are
/// views: they must stay alive for the duration of the log call.
class LogValue {
 public:
  LogValue(std::string_view s) : v_(s) {}
  LogValue(const char* s) : v_(std::string_view(s ? s : "")) {}
  LogValue(const std::string& s) : v_(std::string_view(s)) {}
  LogValue(bool b) : v_(b) {}
  LogValue(double d) : v_(d) {}
  LogValue(float d) : v_(static_cast<double>(d)) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && std::is_signed_v<I>)
  LogValue(I i) : v_(static_cast<std::int64_t>(i)) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && std::is_unsigned_v<I>)
  LogValue(I i) : v_(static_cast<std::uint64_t>(i)) {}

  using Variant = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  const Variant& get() const { return v_; }

 private:
  Variant v_;
};

struct LogField {
  std::string_view key;
  LogValue value;
};

/// Correlation ids of the current request; empty views are logged as null.
struct LogContext {
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view tenant_id;
};

/// Receives one complete line (ending in '\n'). Must be thread-safe.
using LogSink = std::function<void(std::string_view line)>;
/// A sink that write()s each line to `fd` with one system call (retrying
/// only on EINTR / partial writes).
LogSink fd_sink(int fd);

/// Cheap to copy: copies share the level and the sink.
class Logger {
 public:
  /// Logs to stdout unless `sink` is given.
  explicit Logger(std::string name = "vault", LogLevel level = LogLevel::Info, LogSink sink = {});

  /// A logger with another "logger" name, sharing level and sink.
  Logger named(std::string name) const;

  void set_level(LogLevel l) noexcept;
  LogLevel level() const noexcept;
  bool enabled(LogLevel l) const noexcept { return static_cast<int>(l) >= static_cast<int>(level()); }

  void log(LogLevel level, std::string_view message, std::span<const LogField> fields,
           const LogContext& ctx = {}) const noexcept;
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {},
           const LogContext& ctx = {}) const noexcept {
    log(level, message, std::span<const LogField>(fields.begin(), fields.size()), ctx);
  }
  void debug(std::string_view m, std::initializer_list<LogField> f = {}, const LogContext& c = {}) const noexcept {
    log(LogLevel::Debug, m, f, c);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}, const LogContext& c = {}) const noexcept {
    log(LogLevel::Info, m, f, c);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}, const LogContext& c = {}) const noexcept {
    log(LogLevel::Warn, m, f, c);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}, const LogContext& c = {}) const noexcept {
    log(LogLevel::Error, m, f, c);
  }

  /// The line log() would write (without checking the level). For tests.
  std::string format(LogLevel level, std::string_view message, std::span<const LogField> fields,
                     const LogContext& ctx, std::int64_t micros) const;

 private:
  struct Shared;
  std::string name_;
  std::shared_ptr<Shared> shared_;
};

/// Appends `s` as a JSON string literal (quotes included). Invalid UTF-8
/// becomes U+FFFD; control characters are escaped.
void append_json_string(std::string& out, std::string_view s);

}  // namespace vault::obs
