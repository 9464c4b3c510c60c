// Domain services over the real SQLite store (a temp directory per test).
#include "vault/domain/auth_service.hpp"
#include "vault/core/ids.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/envelope_codec.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/storage/factory.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <atomic>
#include <filesystem>
#include <set>
#include "vault/core/cancellation.hpp"
#include <thread>

namespace vault::domain {
namespace {

/// Runs every test with the plain codec and with envelope encryption.
class DomainTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vault_domain_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = storage::open_metadata_store("sqlite://" + (dir_ / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    auth_ = std::make_unique<AuthService>(stores().tenants);
    datasets_ = std::make_unique<DatasetService>(stores().datasets, events_);
    PayloadCodec* codec = &plain_;
    auto kp = crypto::open_key_provider("", crypto::KeyProviderDefaults{dir_});
    ASSERT_TRUE(kp) << kp.error().message();
    provider_ = std::shared_ptr<crypto::KeyProvider>(std::move(*kp));
    keyring_ = std::make_unique<TenantKeyring>(stores().keys, *provider_, events_);
    if (GetParam()) {
      envelope_ = std::make_unique<crypto::Envelope>(provider_);
      envelope_codec_ = std::make_unique<EnvelopePayloadCodec>(stores().keys, *envelope_, events_);
      codec = envelope_codec_.get();
    }
    codec_ = codec;
    records_ = std::make_unique<RecordService>(stores().records, stores().versions, *datasets_, *codec,
                                               nullptr, RecordLimits{}, nullptr, &import_pool_);
    versions_ = std::make_unique<VersionService>(stores().versions, *datasets_, *records_, *keyring_);
    auto t = auth_->create_tenant("acme");
    ASSERT_TRUE(t);
    tenant_ = t->id;
  }
  void TearDown() override {
    versions_.reset();
    records_.reset();
    datasets_.reset();
    auth_.reset();
    envelope_codec_.reset();
    envelope_.reset();
    keyring_.reset();
    provider_.reset();
    if (backend_) stores().ops.close();
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string make_dataset(const std::string& name, std::optional<std::string> schema = {}) {
    NewDataset nd{name, "", {}, {}, {}};
    if (schema) nd.schema = boost::json::parse(*schema);
    auto d = datasets_->create(tenant_, nd);
    EXPECT_TRUE(d) << (d ? "" : d.error().message());
    return d ? d->id : "";
  }
  ImportReport import(const std::string& ds, const std::string& body, std::size_t chunk = 7) {
    std::size_t pos = 0;
    std::string piece;
    auto r = records_->import(tenant_, ds, [&]() -> std::optional<std::string_view> {
      if (pos >= body.size()) return std::nullopt;
      piece = body.substr(pos, chunk);
      pos += chunk;
      return std::string_view(piece);
    });
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return r ? *r : ImportReport{};
  }
  std::string export_all(const std::string& ds, std::optional<std::int64_t> version = {}) {
    auto plan = records_->plan_export(tenant_, ds, version);
    EXPECT_TRUE(plan);
    std::string out;
    auto s = records_->run_export(*plan, [&](std::string_view c) { out += c; });
    EXPECT_TRUE(s);
    return out;
  }

  std::filesystem::path dir_;
  KeyEvents events_;  ///< before the subscribers, so it outlives them
  std::unique_ptr<storage::MetadataBackend> backend_;
  const storage::Stores& stores() const { return backend_->stores(); }
  PlainPayloadCodec plain_;
  PayloadCodec* codec_ = nullptr;  ///< plain_ or the envelope codec
  WorkerPool import_pool_{2, 8};
  std::shared_ptr<crypto::KeyProvider> provider_;
  std::unique_ptr<TenantKeyring> keyring_;
  std::unique_ptr<crypto::Envelope> envelope_;
  std::unique_ptr<EnvelopePayloadCodec> envelope_codec_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<DatasetService> datasets_;
  std::unique_ptr<RecordService> records_;
  std::unique_ptr<VersionService> versions_;
  std::string tenant_;
};

TEST_P(DomainTest, ImportKeepsGoodLinesAndReportsBadOnes) {
  auto ds = make_dataset("chats");
  std::string body = "{\"a\":1}\n{bad json}\n\n[1,2]\n{\"b\":\"x\"}\r\n{\"c\":3}";
  auto rep = import(ds, body);
  EXPECT_EQ(rep.lines, 5);
  EXPECT_EQ(rep.imported, 3);
  EXPECT_EQ(rep.failed, 2);
  ASSERT_EQ(rep.errors.size(), 2u);
  EXPECT_EQ(rep.errors[0].line, 2);
  EXPECT_EQ(rep.errors[0].error.kind(), ErrorKind::MalformedRequest);
  EXPECT_EQ(rep.errors[1].line, 4);
  EXPECT_EQ(export_all(ds), "{\"a\":1}\n{\"b\":\"x\"}\n{\"c\":3}\n");
}

TEST_P(DomainTest, ExportIsByteIdenticalAcrossManyBatches) {
  auto ds = make_dataset("big");
  std::string body;
  for (int i = 0; i < 5000; ++i)
    body += "{\"i\": " + std::to_string(i) + ",  \"text\":\"caf\\u00e9 " + std::string(i % 50, 'x') + "\"}\n";
  auto rep = import(ds, body, 4093);
  EXPECT_EQ(rep.imported, 5000);
  EXPECT_EQ(export_all(ds), body);
  auto d = datasets_->get(tenant_, ds);
  EXPECT_EQ(d->record_count, 5000);
}

TEST_P(DomainTest, SchemaViolationsNameTheField) {
  auto ds = make_dataset("typed", R"({"type":"object","required":["age"],"properties":{"age":{"type":"integer","minimum":0}}})");
  auto bad = records_->create(tenant_, ds, R"({"age":-1})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::SchemaValidation);
  EXPECT_NE(bad.error().message().find("age"), std::string::npos);
  EXPECT_TRUE(records_->create(tenant_, ds, R"({"age":3})"));
}

TEST_P(DomainTest, BatchIsAllOrNothing) {
  auto ds = make_dataset("batch");
  auto arr = boost::json::parse(R"([{"a":1},{"a":2},7])").as_array();
  auto r = records_->batch(tenant_, ds, arr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details().at("index").as_uint64(), 2u);
  EXPECT_EQ(datasets_->get(tenant_, ds)->record_count, 0);
  arr.pop_back();
  EXPECT_EQ(records_->batch(tenant_, ds, arr)->size(), 2u);
}

TEST_P(DomainTest, VersionsPinASnapshotWhileWritesContinue) {
  auto ds = make_dataset("versioned");
  import(ds, "{\"n\":1}\n{\"n\":2}\n");
  auto v1 = versions_->create(tenant_, ds, "first", "key_x");
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(v1->number, 1);
  EXPECT_EQ(v1->record_count, 2);
  const std::string snapshot = export_all(ds, 1);
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(records_->create(tenant_, ds, "{\"w\":" + std::to_string(i) + "}"));
  });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(export_all(ds, 1), snapshot);
  writer.join();
  EXPECT_EQ(export_all(ds, 1), "{\"n\":1}\n{\"n\":2}\n");
  auto v2 = versions_->create(tenant_, ds, "second", "key_x");
  EXPECT_EQ(v2->number, 2);
  EXPECT_EQ(v2->record_count, 202);
  EXPECT_NE(v1->content_hash, v2->content_hash);
  auto missing = records_->plan_export(tenant_, ds, 9);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::VersionNotFound);
}

TEST_P(DomainTest, ContentHashIsKeyedPerTenantAndStableForEqualContent) {
  auto a = make_dataset("hash-a");
  auto b = make_dataset("hash-b");
  ASSERT_TRUE(records_->put(tenant_, a, "r1", R"({"ssn":"536-22-8726"})", std::nullopt));
  ASSERT_TRUE(records_->put(tenant_, b, "r1", R"({"ssn":"536-22-8726"})", std::nullopt));
  auto va = versions_->create(tenant_, a, "a", "k");
  auto vb = versions_->create(tenant_, b, "b", "k");
  ASSERT_TRUE(va) << va.error().message();
  ASSERT_TRUE(vb) << vb.error().message();
  EXPECT_TRUE(va->content_hash.starts_with("hmac-sha256:v1:")) << va->content_hash;
  EXPECT_EQ(va->content_hash.size(), std::string("hmac-sha256:v1:").size() + 64);
  EXPECT_EQ(va->content_hash, vb->content_hash);  // same content, same tenant
  // Not the unkeyed SHA-256 of the snapshot (the brute-forceable old scheme).
  {
    const std::string snapshot = std::string("r1") + '\0' + R"({"ssn":"536-22-8726"})" + "\n";
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(snapshot.data()), snapshot.size(), d);
    std::string plain_hex;
    for (unsigned char x : d) {
      plain_hex += "0123456789abcdef"[x >> 4];
      plain_hex += "0123456789abcdef"[x & 15];
    }
    EXPECT_EQ(va->content_hash.find(plain_hex), std::string::npos);
  }
  auto t2 = auth_->create_tenant("other");
  ASSERT_TRUE(t2);
  NewDataset nd{"hash-c", "", {}, {}, {}};
  auto c = datasets_->create(t2->id, nd);
  ASSERT_TRUE(c);
  ASSERT_TRUE(records_->put(t2->id, c->id, "r1", R"({"ssn":"536-22-8726"})", std::nullopt));
  auto vc = versions_->create(t2->id, c->id, "c", "k");
  ASSERT_TRUE(vc) << vc.error().message();
  EXPECT_TRUE(vc->content_hash.starts_with("hmac-sha256:v1:"));
  EXPECT_NE(vc->content_hash, va->content_hash);  // another tenant, another key
  // The key is a reserved tenant key, stored wrapped.
  auto rows = stores().keys.list_tenant_keys(tenant_, VersionService::kHashKeyName);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 1u);
}

TEST_P(DomainTest, CancelledRequestStopsBatchAndImport) {
  auto ds = make_dataset("cancel", R"({"type": "object", "properties": {"s": {"pattern": "^a+$"}}})");
  boost::json::array arr;
  for (int i = 0; i < 50; ++i) arr.push_back(boost::json::object{{"s", "aaa"}});
  Cancellation gone;
  gone.cancel();
  {
    CancellationScope scope(&gone);
    auto r = records_->batch(tenant_, ds, arr);
    ASSERT_FALSE(r);
    EXPECT_TRUE(is_cancellation(r.error())) << r.error().message();
    EXPECT_FALSE(r.error().details().contains("index"));
  }
  Cancellation late(Cancellation::Clock::now() - std::chrono::seconds(1));
  {
    CancellationScope scope(&late);
    std::string body;
    for (int i = 0; i < 200; ++i) body += "{\"s\":\"aaa\"}\n";
    std::size_t pos = 0;
    auto r = records_->import(tenant_, ds, [&]() -> std::optional<std::string_view> {
      if (pos >= body.size()) return std::nullopt;
      auto piece = std::string_view(body).substr(pos, 100);
      pos += 100;
      return piece;
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::DeadlineExceeded);
  }
  EXPECT_EQ(datasets_->get(tenant_, ds)->record_count, 0);
  // Without a token the same work succeeds.
  EXPECT_EQ(records_->batch(tenant_, ds, arr)->size(), 50u);
}

TEST_P(DomainTest, PutGetDeleteWithRevisions) {
  auto ds = make_dataset("crud");
  auto c = records_->put(tenant_, ds, "user-1", R"({"v":1})", std::nullopt);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->second);
  EXPECT_EQ(c->first.revision, 1);
  auto u = records_->put(tenant_, ds, "user-1", R"({"v":2})", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->first.revision, 2);
  auto stale = records_->put(tenant_, ds, "user-1", R"({"v":3})", 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind(), ErrorKind::ConcurrentModification);
  EXPECT_EQ(records_->get(tenant_, ds, "user-1", std::nullopt)->payload, R"({"v":2})");
  EXPECT_TRUE(records_->remove(tenant_, ds, "user-1", std::nullopt));
  EXPECT_EQ(records_->get(tenant_, ds, "user-1", std::nullopt).error().kind(), ErrorKind::RecordNotFound);
  EXPECT_EQ(records_->get(tenant_, ds, "bad id!", std::nullopt).error().kind(), ErrorKind::InvalidIdentifier);
}

TEST_P(DomainTest, TenantsCannotSeeEachOther) {
  auto ds = make_dataset("private");
  auto other = auth_->create_tenant("globex");
  ASSERT_TRUE(other);
  EXPECT_EQ(datasets_->get(other->id, ds).error().kind(), ErrorKind::DatasetNotFound);
  EXPECT_EQ(records_->create(other->id, ds, "{}").error().kind(), ErrorKind::DatasetNotFound);
  EXPECT_EQ(records_->plan_export(other->id, ds, std::nullopt).error().kind(), ErrorKind::DatasetNotFound);
}

TEST_P(DomainTest, ApiKeysAuthenticateUntilRevoked) {
  auto boot = auth_->bootstrap(std::nullopt);
  ASSERT_TRUE(boot);
  ASSERT_TRUE(boot->has_value());
  auto admin = auth_->authenticate(**boot);
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->platform_admin);
  EXPECT_FALSE(auth_->bootstrap(std::nullopt)->has_value());  // only once
  auto k = auth_->create_key(tenant_, "ci", storage::Role::Writer);
  ASSERT_TRUE(k);
  auto c = auth_->authenticate(k->secret);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->platform_admin);
  EXPECT_EQ(c->tenant_id, tenant_);
  EXPECT_TRUE(auth_->revoke_key(tenant_, k->key.id));
  EXPECT_EQ(auth_->authenticate(k->secret).error().kind(), ErrorKind::Authentication);
  EXPECT_EQ(auth_->authenticate("vk_nope").error().kind(), ErrorKind::Authentication);
}

TEST_P(DomainTest, DatasetPaginationAndEtags) {
  for (int i = 0; i < 5; ++i) make_dataset("set-" + std::to_string(i));
  DatasetListQuery q;
  q.limit = 2;
  std::vector<std::string> seen;
  for (;;) {
    auto p = datasets_->list(tenant_, q);
    ASSERT_TRUE(p);
    for (auto& d : p->items) seen.push_back(d.name);
    if (!p->next_cursor) break;
    q.cursor = p->next_cursor;
  }
  EXPECT_EQ(seen.size(), 5u);
  q.cursor = "garbage!";
  EXPECT_EQ(datasets_->list(tenant_, q).error().kind(), ErrorKind::InvalidCursor);
  auto d = datasets_->get(tenant_, make_dataset("etag"));
  DatasetUpdate up;
  up.description = "new";
  auto u = datasets_->update(tenant_, d->id, up, d->etag);
  ASSERT_TRUE(u);
  EXPECT_EQ(datasets_->update(tenant_, d->id, up, d->etag).error().kind(), ErrorKind::ConcurrentModification);
}

TEST_P(DomainTest, ARecreatedRecordContinuesItsRevisionsAndOpens) {
  auto ds = make_dataset("recreate");
  ASSERT_TRUE(records_->put(tenant_, ds, "user-1", R"({"v":1})", std::nullopt));
  ASSERT_TRUE(records_->put(tenant_, ds, "user-1", R"({"v":2})", std::nullopt));
  ASSERT_TRUE(records_->remove(tenant_, ds, "user-1", std::nullopt));
  auto again = records_->put(tenant_, ds, "user-1", R"({"v":3})", std::nullopt);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->second);  // created
  EXPECT_EQ(again->first.revision, 3);
  auto got = records_->get(tenant_, ds, "user-1", std::nullopt);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->payload, R"({"v":3})");
  EXPECT_EQ(got->revision, 3);
}

/// Writers without If-Match race for the same id: each seals for the
/// revision it expects; the store refuses a revision another writer took,
/// and the loser seals again. Whatever was stored opens under the revision
/// it is stored as.
// An Idempotency-Key's request executed again (concurrently, or after the
// answer was lost in a crash) finds its record instead of writing another.
TEST_P(DomainTest, CreateOnceWritesOneRecordPerIdempotencyKey) {
  auto ds = make_dataset("once");
  constexpr int kThreads = 4;
  std::vector<std::string> ids(kThreads);
  std::atomic<int> created{0}, found{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto r = records_->create_once(tenant_, ds, R"({"a": 1})", "key-1");
      if (!r) {
        ++failed;
        return;
      }
      ids[t] = r->first.id;
      ++(r->second ? created : found);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(found.load(), kThreads - 1);
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_TRUE(is_valid_id(ids[0], "rec"));
  auto page = records_->list(tenant_, ds, std::nullopt, std::nullopt, 100);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 1u);
  // Another key: another record; the same key with other content: Conflict.
  auto other = records_->create_once(tenant_, ds, R"({"a": 1})", "key-2");
  ASSERT_TRUE(other);
  EXPECT_NE(other->first.id, ids[0]);
  auto reused = records_->create_once(tenant_, ds, R"({"a": 2})", "key-1");
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().kind(), ErrorKind::Conflict);
  // The same key in another dataset is another record.
  auto ds2 = make_dataset("once-2");
  auto elsewhere = records_->create_once(tenant_, ds2, R"({"a": 1})", "key-1");
  ASSERT_TRUE(elsewhere);
  EXPECT_TRUE(elsewhere->second);
}

TEST_P(DomainTest, ConcurrentPutsOfOneIdStoreOnlyBytesSealedForTheirRevision) {
  auto ds = make_dataset("race");
  constexpr int kThreads = 4, kPuts = 25;
  std::atomic<int> stored{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        auto r = records_->put(tenant_, ds, "hot", "{\"w\":" + std::to_string(t * 1000 + i) + "}", std::nullopt);
        if (r) ++stored;
        else if (r.error().kind() == ErrorKind::ConcurrentModification) ++refused;
        else ++other;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(stored.load() + refused.load(), kThreads * kPuts);
  auto live = records_->get(tenant_, ds, "hot", std::nullopt);
  ASSERT_TRUE(live) << live.error().message();
  EXPECT_EQ(live->revision, stored.load());
  auto all = stores().records.list_record_revisions(tenant_, ds, 0, 100000);
  ASSERT_TRUE(all);
  ASSERT_EQ(static_cast<int>(all->items.size()), stored.load());
  std::set<std::int64_t> revisions;
  for (const auto& rev : all->items) {
    revisions.insert(rev.revision);
    auto plain = codec_->open(PayloadContext{tenant_, ds, "hot", rev.revision}, rev.payload);
    ASSERT_TRUE(plain) << "revision " << rev.revision << ": " << plain.error().message();
    EXPECT_EQ(plain->rfind("{\"w\":", 0), 0u);
  }
  EXPECT_EQ(static_cast<int>(revisions.size()), stored.load());  // 1..n, each once
}

TEST_P(DomainTest, StoredBytesAreCiphertextBoundToTheirRecord) {
  if (!GetParam()) GTEST_SKIP() << "plain codec stores plaintext by design";
  auto ds = make_dataset("secret");
  const std::string canary = "canary-7f3a9c-plaintext";
  auto a = records_->put(tenant_, ds, "a", "{\"v\":\"" + canary + "\"}", std::nullopt);
  auto b = records_->put(tenant_, ds, "b", "{\"v\":\"other\"}", std::nullopt);
  ASSERT_TRUE(a && b);
  auto raw_a = stores().records.get_record(tenant_, ds, "a");
  ASSERT_TRUE(raw_a);
  EXPECT_EQ(raw_a->payload.find(canary), std::string::npos);
  EXPECT_EQ(records_->get(tenant_, ds, "a", std::nullopt)->payload, "{\"v\":\"" + canary + "\"}");
  // A ciphertext moved to another record fails to open (associated data).
  std::vector<storage::RecordWrite> w(1);
  w[0] = {storage::RecordWrite::Op::Upsert, "b", raw_a->payload, std::nullopt};
  ASSERT_TRUE(stores().records.write_records(tenant_, ds, std::move(w)));
  EXPECT_EQ(records_->get(tenant_, ds, "b", std::nullopt).error().kind(), ErrorKind::DecryptionOperation);
  // Rolling a record back to an older revision's ciphertext fails too (the
  // revision is part of the associated data).
  ASSERT_TRUE(records_->put(tenant_, ds, "a", "{\"v\":\"second\"}", std::nullopt));
  std::vector<storage::RecordWrite> rollback;
  rollback.emplace_back(storage::RecordWrite::Op::Upsert, "a", raw_a->payload);
  ASSERT_TRUE(stores().records.write_records(tenant_, ds, std::move(rollback)));
  EXPECT_EQ(records_->get(tenant_, ds, "a", std::nullopt).error().kind(), ErrorKind::DecryptionOperation);
  // The DEK is stored wrapped only, and goes with the dataset.
  auto keys = stores().keys.list_data_keys(tenant_, ds);
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE(envelope_->cache().get(tenant_, ds, 1));
  ASSERT_TRUE(datasets_->remove(tenant_, ds));
  // Deleting the dataset told the codec (KeyEvents): no cached copy remains.
  EXPECT_FALSE(envelope_->cache().get(tenant_, ds, 1));
  EXPECT_TRUE(stores().keys.list_data_keys(tenant_, make_dataset("secret")).value().empty());
}

INSTANTIATE_TEST_SUITE_P(Codecs, DomainTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "Envelope" : "Plain"; });

}  // namespace
}  // namespace vault::domain
