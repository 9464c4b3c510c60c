// KEK/DEK rotation jobs and tenant purge over the real SQLite store and a
// local key provider (temp directory per test).
#include "vault/domain/key_rotation.hpp"

#include "support/temp_dir.hpp"
#include "vault/crypto/aead.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/envelope_codec.hpp"
#include "vault/domain/tenant_purge.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

namespace vault::domain {
namespace {

using Op = storage::RecordWrite::Op;

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::open_metadata_store("sqlite://" + (dir_.path() / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    auto kp = crypto::open_key_provider("", crypto::KeyProviderDefaults{dir_.path()});
    ASSERT_TRUE(kp) << kp.error().message();
    provider_ = std::shared_ptr<crypto::KeyProvider>(std::move(*kp));
    envelope_ = std::make_unique<crypto::Envelope>(provider_);
    codec_ = std::make_unique<EnvelopePayloadCodec>(stores().keys, *envelope_, events_);
    auth_ = std::make_unique<AuthService>(stores().tenants);
    ASSERT_TRUE(auth_->bootstrap(std::string("vk_test_admin_secret")));
    for (const char* t : {"t1", "t2"})
      ASSERT_TRUE(stores().tenants.create_tenant(storage::Tenant{t, t, "active", 1}));
  }
  void TearDown() override {
    if (backend_) stores().ops.close();
  }

  std::unique_ptr<KeyRotationService> service(std::chrono::milliseconds settle = std::chrono::milliseconds(0)) {
    return std::make_unique<KeyRotationService>(stores(), *envelope_, events_, KeyRotationOptions{7, settle});
  }
  void dataset(const std::string& t, const std::string& id) {
    storage::Dataset d;
    d.id = id;
    d.tenant_id = t;
    d.name = "n-" + id;
    ASSERT_TRUE(stores().datasets.create_dataset(d));
  }
  /// Seals through the codec (DEK chosen as in production) and writes.
  void put(const std::string& t, const std::string& ds, Op op, const std::string& id, const std::string& text) {
    auto last = stores().records.last_revision(t, ds, id);
    ASSERT_TRUE(last);
    auto sealed = codec_->seal(PayloadContext{t, ds, id, *last + 1}, text);
    ASSERT_TRUE(sealed) << sealed.error().message();
    storage::RecordWrite w{op, id, std::move(*sealed)};
    w.revision = *last + 1;
    auto r = stores().records.write_records(t, ds, {std::move(w)});
    ASSERT_TRUE(r) << r.error().message();
  }
  /// Opens with a fresh envelope (empty DEK cache) over the same provider.
  Result<std::string> open_fresh(const std::string& t, const std::string& ds, const storage::Record& r) {
    crypto::Envelope env(provider_);
    KeyEvents quiet;
    EnvelopePayloadCodec codec(stores().keys, env, quiet);
    return codec.open(PayloadContext{t, ds, r.id, r.revision}, r.payload);
  }
  std::vector<storage::Record> revisions(const std::string& t, const std::string& ds) {
    auto p = stores().records.list_record_revisions(t, ds, 0, 100000);
    EXPECT_TRUE(p);
    return p ? p->items : std::vector<storage::Record>{};
  }
  static std::uint32_t dek_version_of(const storage::Record& r) {
    auto h = crypto::parse_header(r.payload);
    return h ? h->key_version : 0;
  }

  testing::TempDir dir_;
  KeyEvents events_;  ///< before the subscribers, so it outlives them
  std::unique_ptr<storage::MetadataBackend> backend_;
  const storage::Stores& stores() const { return backend_->stores(); }
  std::shared_ptr<crypto::KeyProvider> provider_;
  std::unique_ptr<crypto::Envelope> envelope_;
  std::unique_ptr<EnvelopePayloadCodec> codec_;
  std::unique_ptr<AuthService> auth_;
};

TEST_F(KeyRotationTest, WhileTheStoreIsGoneOpeningUsesTheWrappedKeysLastListed) {
  dataset("t1", "ds");
  dataset("t1", "other");
  put("t1", "ds", Op::Insert, "a", "alpha");
  put("t1", "other", Op::Insert, "b", "beta");
  auto a = stores().records.get_record("t1", "ds", "a");
  auto b = stores().records.get_record("t1", "other", "b");
  ASSERT_TRUE(a && b);
  envelope_->cache().clear();
  ASSERT_TRUE(codec_->open(PayloadContext{"t1", "ds", "a", a->revision}, a->payload));  // lists ds's keys
  envelope_->cache().clear();  // no unwrapped key left: the wrapped ones must come from somewhere
  stores().ops.close();
  auto opened = codec_->open(PayloadContext{"t1", "ds", "a", a->revision}, a->payload);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*opened, "alpha");
  // A dataset this process never listed: the store's error.
  auto never = codec_->open(PayloadContext{"t1", "other", "b", b->revision}, b->payload);
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().kind(), ErrorKind::Database);
  // Keys that changed (rotated, shredded) are forgotten with the rest.
  events_.dataset_keys_changed("t1", "ds");
  auto forgotten = codec_->open(PayloadContext{"t1", "ds", "a", a->revision}, a->payload);
  ASSERT_FALSE(forgotten);
  EXPECT_EQ(forgotten.error().kind(), ErrorKind::Database);
}

TEST_F(KeyRotationTest, KekRotationRewrapsEveryDekThenRetiresTheOldVersion) {
  for (int d = 0; d < 10; ++d) {  // more datasets than a page
    const std::string ds = "ds" + std::to_string(d);
    dataset("t1", ds);
    put("t1", ds, Op::Insert, "r", "text " + ds);
  }
  dataset("t2", "other");
  put("t2", "other", Op::Insert, "r", "t2 text");
  auto svc = service();
  auto job = svc->start_kek_rotation("t1");
  ASSERT_TRUE(job) << job.error().message();
  EXPECT_EQ(job->from_version, 1);
  EXPECT_EQ(job->to_version, 2);
  EXPECT_EQ(*provider_->current_version("t1"), 2u);  // new wraps use v2 at once
  svc->wait_idle();
  auto done = svc->job("t1", job->id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, storage::KeyJobState::Succeeded) << done->error;
  EXPECT_EQ(done->total, 10);
  EXPECT_EQ(done->done, 10);
  EXPECT_EQ(*provider_->versions("t1"), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(*provider_->versions("t2"), (std::vector<std::uint32_t>{1}));  // untouched
  for (int d = 0; d < 10; ++d) {
    const std::string ds = "ds" + std::to_string(d);
    auto keys = stores().keys.list_data_keys("t1", ds);
    ASSERT_TRUE(keys);
    for (const auto& k : *keys) EXPECT_EQ(k.kek_version, 2) << ds;
    auto r = stores().records.get_record("t1", ds, "r");
    ASSERT_TRUE(r);
    auto plain = open_fresh("t1", ds, *r);
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_EQ(*plain, "text " + ds);
  }
  auto jobs = svc->jobs("t1");
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 1u);
}

TEST_F(KeyRotationTest, DekRotationReencryptsEveryRevisionAndShredsTheOldKey) {
  dataset("t1", "ds");
  for (int i = 0; i < 20; ++i) put("t1", "ds", Op::Insert, "r" + std::to_string(i), "v1-" + std::to_string(i));
  const storage::Seq snapshot = stores().datasets.get_dataset("t1", "ds")->seq;
  for (int i = 0; i < 5; ++i) put("t1", "ds", Op::Replace, "r" + std::to_string(i), "v2-" + std::to_string(i));
  put("t1", "ds", Op::Delete, "r19", "");
  auto svc = service();
  auto job = svc->start_dek_rotation("t1", "ds");
  ASSERT_TRUE(job) << job.error().message();
  EXPECT_EQ(job->from_version, 1);
  EXPECT_EQ(job->to_version, 2);
  svc->wait_idle();
  auto done = svc->job("t1", job->id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, storage::KeyJobState::Succeeded) << done->error;
  EXPECT_EQ(done->total, 25);
  EXPECT_EQ(done->done, 25);

  auto keys = stores().keys.list_data_keys("t1", "ds");
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].state, storage::DataKeyState::Retired);
  EXPECT_TRUE((*keys)[0].wrapped.empty());  // shredded
  EXPECT_EQ((*keys)[1].state, storage::DataKeyState::Active);
  for (const auto& r : revisions("t1", "ds")) {
    EXPECT_EQ(dek_version_of(r), 2u) << r.id;
    EXPECT_TRUE(open_fresh("t1", "ds", r)) << r.id;
  }
  // Time travel still reads the old contents, now under the new DEK.
  auto old = stores().records.get_record("t1", "ds", "r0", snapshot);
  ASSERT_TRUE(old);
  EXPECT_EQ(*open_fresh("t1", "ds", *old), "v1-0");
  // New writes use the new DEK; a rotation of a dataset without a DEK is refused.
  put("t1", "ds", Op::Insert, "new", "fresh");
  EXPECT_EQ(dek_version_of(*stores().records.get_record("t1", "ds", "new")), 2u);
  dataset("t1", "empty");
  auto none = svc->start_dek_rotation("t1", "empty");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind(), ErrorKind::Conflict);
  auto foreign = svc->start_dek_rotation("t2", "ds");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind(), ErrorKind::DatasetNotFound);
}

TEST_F(KeyRotationTest, OneJobPerTenantAndAStoppedJobResumes) {
  dataset("t1", "ds");
  put("t1", "ds", Op::Insert, "r", "text");
  storage::KeyJob first;
  {
    // A long settle keeps the job running until stop(), which leaves it
    // "running" in the store, as a crash or shutdown would.
    auto svc = service(std::chrono::hours(1));
    auto job = svc->start_kek_rotation("t1");
    ASSERT_TRUE(job) << job.error().message();
    first = *job;
    auto second = svc->start_dek_rotation("t1", "ds");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind(), ErrorKind::Conflict);
    svc->stop();
  }
  EXPECT_EQ(stores().jobs.get_key_job("t1", first.id)->state, storage::KeyJobState::Running);
  EXPECT_EQ(provider_->versions("t1")->size(), 2u);  // old version not retired yet
  auto svc = service();
  auto resumed = svc->resume();
  ASSERT_TRUE(resumed);
  EXPECT_EQ(*resumed, 1);
  svc->wait_idle();
  auto done = stores().jobs.get_key_job("t1", first.id);
  EXPECT_EQ(done->state, storage::KeyJobState::Succeeded) << done->error;
  EXPECT_EQ(done->to_version, 2);  // not rotated a second time
  EXPECT_EQ(*provider_->versions("t1"), (std::vector<std::uint32_t>{2}));
  auto r = stores().records.get_record("t1", "ds", "r");
  EXPECT_EQ(*open_fresh("t1", "ds", *r), "text");
}

TEST_F(KeyRotationTest, PurgeDestroysTheKekAndEverythingTheTenantOwns) {
  dataset("t1", "ds");
  put("t1", "ds", Op::Insert, "r", "secret");
  const storage::Record kept = *stores().records.get_record("t1", "ds", "r");
  const auto wrapped = stores().keys.list_data_keys("t1", "ds")->at(0).wrapped;
  dataset("t2", "ds2");
  put("t2", "ds2", Op::Insert, "r", "other");
  auto svc = service();
  TenantPurger purger(stores().tenants, stores().datasets, *auth_, envelope_.get(), svc.get(), events_);
  std::vector<std::string> removed, purged;
  auto on_keys = events_.on_dataset_keys_changed([&](const std::string&, const std::string& d) { removed.push_back(d); });
  auto on_purge = events_.on_tenant_purged([&](const std::string& t) { purged.push_back(t); });

  auto self = purger.purge(auth_->system_tenant_id(), "t2");
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().kind(), ErrorKind::Conflict);
  auto own = purger.purge("t2", "t2");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().kind(), ErrorKind::Conflict);

  ASSERT_TRUE(purger.purge("t1", auth_->system_tenant_id()));
  EXPECT_EQ(removed, (std::vector<std::string>{"ds"}));
  EXPECT_EQ(purged, (std::vector<std::string>{"t1"}));
  EXPECT_FALSE(stores().tenants.get_tenant("t1"));
  EXPECT_TRUE(provider_->versions("t1")->empty());
  // What a backup still holds (row + wrapped DEK) no longer unwraps.
  auto w = crypto::parse_wrapped_key(wrapped);
  ASSERT_TRUE(w);
  EXPECT_FALSE(provider_->unwrap("t1", *w));
  EXPECT_FALSE(envelope_->cache().get("t1", "ds", 1));
  auto again = purger.purge("t1", auth_->system_tenant_id());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::TenantNotFound);
  // The other tenant still decrypts.
  EXPECT_EQ(*open_fresh("t2", "ds2", *stores().records.get_record("t2", "ds2", "r")), "other");
  (void)kept;
}

}  // namespace
}  // namespace vault::domain
