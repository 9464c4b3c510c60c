// Envelope seal/open throughput (AES-256-GCM via seal_record/open_record,
// AAD = tenant|dataset|record) at several payload sizes.
// Output, one line per size (parsed by bench/crypto_bench.sh):
//   envelope bytes=16384 seal_MBps=1234.5 open_MBps=1234.5
// Usage: crypto_bench [seconds-per-measurement (default 1)] [sizes...]
#include "vault/crypto/envelope.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace vault::crypto;
using Clock = std::chrono::steady_clock;

template <class F>
double mbps(std::size_t bytes, double seconds, F&& op) {
  for (int i = 0; i < 3; ++i) op();  // warm up
  std::size_t n = 0;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(seconds);
  Clock::time_point now;
  do {
    for (int i = 0; i < 16; ++i) op();
    n += 16;
    now = Clock::now();
  } while (now < deadline);
  const double s = std::chrono::duration<double>(now - t0).count();
  return static_cast<double>(n) * static_cast<double>(bytes) / s / 1e6;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<std::size_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {1024, 16384, 1 << 20};
  const DataKey dek{"dataset-0001", 1, generate_dek()};
  for (std::size_t size : sizes) {
    std::string payload(size, 'x');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string sealed;
    const double seal = mbps(size, seconds, [&] {
      auto r = seal_record(dek, {"tenant-0001", "dataset-0001", "record-000000001"}, payload);
      if (!r) std::abort();
      sealed = std::move(*r);
    });
    const double open = mbps(size, seconds, [&] {
      auto r = open_record(dek, {"tenant-0001", "dataset-0001", "record-000000001"}, sealed);
      if (!r || r->size() != size) std::abort();
    });
    std::printf("envelope bytes=%zu seal_MBps=%.1f open_MBps=%.1f\n", size, seal, open);
    std::fflush(stdout);
  }
  return 0;
}
