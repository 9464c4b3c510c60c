// vault_shred_check: offline decryption check for the crypto-shredding test.
//
//   vault_shred_check --db COPY/meta.db --keyring COPY/keys/keyring.sealed
//                     --master-key COPY/keys/master.key [--needle TEXT]...
//
// Opens a COPY of a data directory with the real storage and key provider
// classes and tries to decrypt every stored revision of every dataset of
// every tenant (and the tenant's named keys). Prints one line per dataset:
//   dataset <tenant> <dataset> revisions=N decrypted=D failed=F needles=<i,j,...>
// and per tenant with named keys:
//   tenant_keys <tenant> versions=N unwrapped=U failed=F
// where needles lists the indexes of --needle strings found in decrypted
// plaintext. Plaintext and keys are never printed. Exit 0 unless the files
// cannot be opened (exit 1) or the arguments are wrong (exit 2).
#include "vault/crypto/envelope.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/envelope_codec.hpp"
#include "vault/storage/factory.hpp"

#include <openssl/crypto.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

using namespace vault;

int main(int argc, char** argv) {
  std::string db, keyring, master;
  std::vector<std::string> needles;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--db") db = v;
    else if (a == "--keyring") keyring = v;
    else if (a == "--master-key") master = v;
    else if (a == "--needle") needles.push_back(v);
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (db.empty() || keyring.empty() || master.empty()) {
    std::cerr << "usage: vault_shred_check --db FILE --keyring FILE --master-key FILE [--needle TEXT]...\n";
    return 2;
  }
  auto store = storage::open_metadata_store("sqlite://" + db);
  if (!store) {
    std::cerr << "cannot open the database: " << store.error().message() << "\n";
    return 1;
  }
  auto kp = crypto::open_key_provider("local://" + keyring + "?master_key_file=" + master);
  if (!kp) {
    std::cerr << "cannot open the keyring: " << kp.error().message() << "\n";
    return 1;
  }
  crypto::Envelope envelope(std::shared_ptr<crypto::KeyProvider>(std::move(*kp)));
  domain::KeyEvents events;  // nothing changes keys here
  domain::EnvelopePayloadCodec codec((*store)->stores().keys, envelope, events);

  auto tenants = (*store)->stores().tenants.list_tenants();
  if (!tenants) return 1;
  for (const auto& t : *tenants) {
    storage::DatasetFilter f;
    f.limit = 1000;
    auto datasets = (*store)->stores().datasets.list_datasets(t.id, f);
    if (!datasets) return 1;
    for (const auto& d : *datasets) {
      std::int64_t n = 0, ok = 0, bad = 0;
      std::set<std::size_t> found;
      storage::Seq after = 0;
      for (;;) {
        auto page = (*store)->stores().records.list_record_revisions(t.id, d.id, after, 500);
        if (!page) return 1;
        for (const auto& r : page->items) {
          ++n;
          auto plain = codec.open(domain::PayloadContext{t.id, d.id, r.id, r.revision}, r.payload);
          if (!plain) {
            ++bad;
          } else {
            ++ok;
            for (std::size_t i = 0; i < needles.size(); ++i)
              if (plain->find(needles[i]) != std::string::npos) found.insert(i);
            OPENSSL_cleanse(plain->data(), plain->size());
          }
          after = r.seq;
        }
        if (!page->next_after) break;
      }
      std::string list;
      for (auto i : found) list += (list.empty() ? "" : ",") + std::to_string(i);
      std::printf("dataset %s %s revisions=%lld decrypted=%lld failed=%lld needles=%s\n", t.id.c_str(), d.id.c_str(),
                  static_cast<long long>(n), static_cast<long long>(ok), static_cast<long long>(bad), list.c_str());
    }
    auto names = (*store)->stores().keys.list_tenant_key_names(t.id);
    if (!names || names->empty()) continue;
    std::int64_t n = 0, ok = 0, bad = 0;
    for (const auto& name : *names) {
      auto versions = (*store)->stores().keys.list_tenant_keys(t.id, name.name);
      if (!versions) return 1;
      for (const auto& v : *versions) {
        ++n;
        auto w = crypto::parse_wrapped_key(v.wrapped);
        auto k = w ? envelope.provider().unwrap(t.id, *w) : Result<crypto::SecureBytes>(std::unexpected(w.error()));
        (k ? ok : bad) += 1;
      }
    }
    std::printf("tenant_keys %s versions=%lld unwrapped=%lld failed=%lld\n", t.id.c_str(), static_cast<long long>(n),
                static_cast<long long>(ok), static_cast<long long>(bad));
  }
  (*store)->stores().ops.close();
  return 0;
}
