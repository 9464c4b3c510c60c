#pragma once
/// Threads and memory of this process, read from /proc/self/status (zeros
/// where the kernel does not say).
#include <cstdint>

namespace vault::obs {

struct ProcessStats {
  long threads = 0;
  std::int64_t rss_bytes = 0;       ///< VmRSS
  std::int64_t rss_anon_bytes = 0;  ///< RssAnon: heap, stacks, anonymous maps
  std::int64_t rss_file_bytes = 0;  ///< RssFile: mapped files (binary, libraries, SQLite maps)
};

ProcessStats read_process_stats();

}  // namespace vault::obs
