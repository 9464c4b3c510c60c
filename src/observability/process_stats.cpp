#include "vault/observability/process_stats.hpp"

#include <cstdio>

namespace vault::obs {

ProcessStats read_process_stats() {
  ProcessStats s;
  std::FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return s;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    long v = 0;
    if (std::sscanf(line, "Threads: %ld", &v) == 1) s.threads = v;
    else if (std::sscanf(line, "VmRSS: %ld kB", &v) == 1) s.rss_bytes = std::int64_t{v} * 1024;
    else if (std::sscanf(line, "RssAnon: %ld kB", &v) == 1) s.rss_anon_bytes = std::int64_t{v} * 1024;
    else if (std::sscanf(line, "RssFile: %ld kB", &v) == 1) s.rss_file_bytes = std::int64_t{v} * 1024;
  }
  std::fclose(f);
  return s;
}

}  // namespace vault::obs
