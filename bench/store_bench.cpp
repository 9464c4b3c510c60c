// store_bench: import N records through RecordStore::write_records in
// batches, then scan them all with list_records; prints records/s and MB/s.
// Usage: store_bench [--records N] [--batch B] [--payload BYTES] [--url sqlite:///path.db] [--keep]
#include "vault/storage/factory.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace vault::storage;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(const char* what, std::int64_t records, std::int64_t bytes, double secs) {
  std::printf("%-8s %10lld records  %8.2f s  %12.0f records/s  %8.1f MB/s\n", what,
              static_cast<long long>(records), secs, records / secs, bytes / secs / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 1000000;
  int batch = 1000;
  std::size_t payload = 1024;
  std::string url;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--records") records = std::atoll(next().c_str());
    else if (a == "--batch") batch = std::atoi(next().c_str());
    else if (a == "--payload") payload = static_cast<std::size_t>(std::atoll(next().c_str()));
    else if (a == "--url") url = next();
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr, "usage: %s [--records N] [--batch B] [--payload BYTES] [--url URL] [--keep]\n", argv[0]);
      return 2;
    }
  }
  std::filesystem::path tmp;
  if (url.empty()) {
    tmp = std::filesystem::temp_directory_path() / ("vault-store-bench-" + std::to_string(::getpid()));
    url = "sqlite://" + (tmp / "meta.db").string();
  }
  auto opened = open_metadata_store(url);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message().c_str());
    return 1;
  }
  const Stores& stores = (*opened)->stores();
  (void)stores.tenants.create_tenant(Tenant{"bench", "bench", "active", 0});
  Dataset ds;
  ds.id = "bench-" + std::to_string(::getpid());
  ds.tenant_id = "bench";
  ds.name = ds.id;
  if (auto d = stores.datasets.create_dataset(ds); !d) {
    std::fprintf(stderr, "create_dataset: %s\n", d.error().message().c_str());
    return 1;
  }
  std::printf("store_bench: %lld records of %zu bytes, batches of %d, %s\n", static_cast<long long>(records),
              payload, batch, url.c_str());

  std::string body(payload, 'x');
  auto t0 = std::chrono::steady_clock::now();
  std::int64_t written = 0;
  while (written < records) {
    std::vector<RecordWrite> ws;
    const std::int64_t n = std::min<std::int64_t>(batch, records - written);
    ws.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "rec-%012lld", static_cast<long long>(written + i));
      std::memcpy(body.data(), id, std::min(std::strlen(id), body.size()));
      ws.push_back(RecordWrite{RecordWrite::Op::Insert, id, body, {}});
    }
    auto r = stores.records.write_records("bench", ds.id, std::move(ws));
    if (!r) {
      std::fprintf(stderr, "write_records: %s\n", r.error().message().c_str());
      return 1;
    }
    written += n;
  }
  report("insert", written, written * static_cast<std::int64_t>(payload), seconds_since(t0));

  t0 = std::chrono::steady_clock::now();
  std::int64_t scanned = 0, bytes = 0;
  std::optional<Seq> after;
  for (;;) {
    auto page = stores.records.list_records("bench", ds.id, std::nullopt, after, 1000);
    if (!page) {
      std::fprintf(stderr, "list_records: %s\n", page.error().message().c_str());
      return 1;
    }
    for (const auto& rec : page->items) bytes += static_cast<std::int64_t>(rec.payload.size());
    scanned += static_cast<std::int64_t>(page->items.size());
    if (!page->next_after) break;
    after = page->next_after;
  }
  report("scan", scanned, bytes, seconds_since(t0));
  if (scanned != written) {
    std::fprintf(stderr, "scan saw %lld records, expected %lld\n", static_cast<long long>(scanned),
                 static_cast<long long>(written));
    return 1;
  }
  stores.ops.close();
  if (!tmp.empty() && !keep) std::filesystem::remove_all(tmp);
  return 0;
}
