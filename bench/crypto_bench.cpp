// Envelope seal/open throughput at several payload sizes, two ways:
//  - "envelope": the AEAD alone (seal_record/open_record, AAD =
//    tenant|dataset|record) with a DEK already unwrapped in memory: the
//    ceiling, not what the server pays;
//  - "codec": the server's path, domain::EnvelopePayloadCodec over a SQLite
//    metadata store and the local keyring: DEK lookup in the DekCache (hit),
//    active-version map, revision in the AAD. "codec_miss" forgets the
//    dataset's cached DEK before every open, so each open pays the store
//    lookup (list_data_keys) and the KEK unwrap, as after a restart, a TTL
//    expiry or with more datasets than the cache holds.
// Output, one line per size and path (bench/crypto_bench.sh parses them):
//   envelope bytes=16384 seal_MBps=1234.5 open_MBps=1234.5
//   codec bytes=16384 seal_MBps=1234.5 open_MBps=1234.5
//   codec_miss bytes=16384 open_MBps=12.3 open_per_s=1234
// Usage: crypto_bench [--aead-only] [seconds-per-measurement (default 1)] [sizes...]
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/envelope_codec.hpp"
#include "vault/storage/factory.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

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
  const bool aead_only = argc > 1 && std::string(argv[1]) == "--aead-only";
  if (aead_only) --argc, ++argv;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<std::size_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {1024, 16384, 1 << 20};
  const DataKey dek{"dataset-0001", 1, generate_dek()};

  // The server's codec: a fresh SQLite metadata store and local keyring in a temp dir.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("vault_crypto_bench_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto die = [&](const char* what, const vault::Error& e) {
    std::fprintf(stderr, "%s: %s\n", what, e.message().c_str());
    fs::remove_all(dir);
    std::exit(1);
  };
  auto store = vault::storage::open_metadata_store("sqlite://" + (dir / "meta.db").string());
  if (!store) die("metadata store", store.error());
  auto kp = open_key_provider("", KeyProviderDefaults{dir});
  if (!kp) die("key provider", kp.error());
  Envelope envelope(std::shared_ptr<KeyProvider>(std::move(*kp)));
  vault::domain::KeyEvents events;
  vault::domain::EnvelopePayloadCodec codec((*store)->stores().keys, envelope, events);
  vault::domain::AuthService auth((*store)->stores().tenants);
  vault::domain::DatasetService datasets((*store)->stores().datasets, events);
  auto tenant = auth.create_tenant("bench");
  if (!tenant) die("tenant", tenant.error());
  auto ds = datasets.create(tenant->id, vault::domain::NewDataset{"bench", "", {}, {}, {}});
  if (!ds) die("dataset", ds.error());
  const std::string tenant_id = tenant->id, dataset_id = ds->id, record_id = "record-000000001";
  const vault::domain::PayloadContext ctx{tenant_id, dataset_id, record_id, 1};
  // The first seal creates the dataset's data key; the timed ones reuse it.
  if (auto p = codec.seal(ctx, "{}"); !p) die("first seal", p.error());
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
    if (aead_only) continue;

    const double cseal = mbps(size, seconds, [&] {
      auto r = codec.seal(ctx, payload);
      if (!r) std::abort();
      sealed = std::move(*r);
    });
    const double copen = mbps(size, seconds, [&] {
      auto r = codec.open(ctx, sealed);
      if (!r || r->size() != size) std::abort();
    });
    std::printf("codec bytes=%zu seal_MBps=%.1f open_MBps=%.1f\n", size, cseal, copen);
    const double cmiss = mbps(size, seconds, [&] {
      envelope.forget_dataset(tenant_id, dataset_id);  // DEK cache miss: store lookup + unwrap
      auto r = codec.open(ctx, sealed);
      if (!r || r->size() != size) std::abort();
    });
    std::printf("codec_miss bytes=%zu open_MBps=%.1f open_per_s=%.0f\n", size, cmiss,
                cmiss * 1e6 / static_cast<double>(size));
    std::fflush(stdout);
  }
  (*store)->stores().ops.close();
  fs::remove_all(dir);
  return 0;
}
