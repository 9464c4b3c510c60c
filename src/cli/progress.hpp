#pragma once
/// Transfer progress on stderr for import/export: bytes, bytes/s and, when
/// stderr is a terminal and the total is known, a bar redrawn in place.
/// When stderr is not a terminal a plain line is printed every few seconds
/// and once at the end, so logs stay readable.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vault::cli {

class Progress {
 public:
  /// `label` prefixes every line ("import", "export"); `enabled` false
  /// makes every call a no-op (--quiet).
  Progress(std::string label, bool enabled);

  /// Reports `done` bytes so far (of `total` when known); rate-limited.
  void update(std::uint64_t done, std::optional<std::uint64_t> total);
  /// Prints the final line (always, when enabled).
  void finish();

  /// "1.5 MiB"
  static std::string human_bytes(double bytes);

 private:
  void draw(bool final_line);

  std::string label_;
  bool enabled_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::uint64_t done_ = 0;
  std::optional<std::uint64_t> total_;
  bool drawn_ = false;
};

}  // namespace vault::cli
