#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace vault::cli {

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string Progress::human_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void Progress::update(std::uint64_t done, std::optional<std::uint64_t> total) {
  if (!enabled_) return;
  done_ = done;
  if (total) total_ = total;
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  if (!enabled_) return;
  draw(true);
}

void Progress::draw(bool final_line) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0.0;
  std::string line = label_ + ": " + human_bytes(static_cast<double>(done_));
  if (total_ && *total_ > 0) {
    double frac = static_cast<double>(done_) / static_cast<double>(*total_);
    if (frac > 1.0) frac = 1.0;
    if (tty_) {
      constexpr int width = 30;
      int filled = static_cast<int>(frac * width);
      line += " [" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
    }
    char pct[16];
    std::snprintf(pct, sizeof pct, " %3.0f%%", frac * 100.0);
    line += " of " + human_bytes(static_cast<double>(*total_)) + pct;
  }
  char tail[64];
  std::snprintf(tail, sizeof tail, "  %s/s  %.1fs", human_bytes(rate).c_str(), secs);
  line += tail;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace vault::cli
