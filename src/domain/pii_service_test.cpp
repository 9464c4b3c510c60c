// PiiService on the record write/read path, over the real SQLite store.
#include "vault/domain/pii_service.hpp"

#include "support/temp_dir.hpp"
#include "vault/domain/auth_service.hpp"
#include "vault/domain/dataset_service.hpp"
#include "vault/domain/record_service.hpp"
#include "vault/crypto/key_provider.hpp"
#include "vault/domain/tenant_keyring.hpp"
#include "vault/domain/version_service.hpp"
#include "vault/storage/factory.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <openssl/rand.h>

namespace vault::domain {
namespace {

constexpr std::string_view kEmail = "jane.doe@example.com";
constexpr std::string_view kSsn = "536-22-8714";

std::shared_ptr<const pii::Scanner> shared_scanner() {
  static auto s = std::make_shared<const pii::Scanner>(pii::Catalogue::defaults());
  return s;
}

class PiiServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::open_metadata_store("sqlite://" + (dir_.path() / "meta.db").string());
    ASSERT_TRUE(s) << s.error().message();
    backend_ = std::move(*s);
    crypto::SecureBytes master(32);
    ASSERT_EQ(RAND_bytes(master.data(), 32), 1);
    master_ = std::move(master);
    PiiService::KeySource keys = [this](const std::string& tenant) -> Result<std::shared_ptr<const pii::AnonymizerKeys>> {
      ++key_loads_;
      auto k = pii::derive_anonymizer_keys(master_.span(), tenant);
      if (!k) return std::unexpected(k.error());
      return std::make_shared<const pii::AnonymizerKeys>(std::move(*k));
    };
    auto p = PiiService::create(shared_scanner(), stores().tokens, keys, events_, PiiOptions{});
    ASSERT_TRUE(p) << p.error().message();
    pii_ = std::move(*p);
    auth_ = std::make_unique<AuthService>(stores().tenants);
    datasets_ = std::make_unique<DatasetService>(stores().datasets, events_);
    records_ = std::make_unique<RecordService>(stores().records, stores().versions, *datasets_, codec_,
                                               pii_.get(), RecordLimits{}, pii_.get());
    auto kp = crypto::open_key_provider("", crypto::KeyProviderDefaults{dir_.path()});
    ASSERT_TRUE(kp) << kp.error().message();
    provider_ = std::move(*kp);
    keyring_ = std::make_unique<TenantKeyring>(stores().keys, *provider_, events_);
    versions_ = std::make_unique<VersionService>(stores().versions, *datasets_, *records_, *keyring_);
    tenant_ = auth_->create_tenant("acme")->id;
    other_ = auth_->create_tenant("other")->id;
  }
  void TearDown() override {
    versions_.reset();
    keyring_.reset();
    records_.reset();
    if (backend_) stores().ops.close();
  }

  storage::Dataset dataset(std::string_view policy_json) {
    NewDataset nd;
    nd.name = "ds" + std::to_string(++n_);
    if (!policy_json.empty()) nd.pii_policy = boost::json::parse(policy_json);
    auto d = datasets_->create(tenant_, nd);
    EXPECT_TRUE(d) << d.error().message();
    return *d;
  }
  static std::string pii_record() {
    return R"({"prompt":"write to )" + std::string(kEmail) + R"(","user":{"ssn":")" + std::string(kSsn) + R"("}})";
  }

  testing::TempDir dir_;
  KeyEvents events_;  ///< before the subscribers, so it outlives them
  std::unique_ptr<storage::MetadataBackend> backend_;
  const storage::Stores& stores() const { return backend_->stores(); }
  crypto::SecureBytes master_;
  int key_loads_ = 0;
  std::unique_ptr<PiiService> pii_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<DatasetService> datasets_;
  PlainPayloadCodec codec_;
  std::unique_ptr<RecordService> records_;
  std::unique_ptr<crypto::KeyProvider> provider_;
  std::unique_ptr<TenantKeyring> keyring_;
  std::unique_ptr<VersionService> versions_;
  std::string tenant_, other_;
  int n_ = 0;
};

TEST_F(PiiServiceTest, FlagStoresAsWrittenWithASummaryWithoutValues) {
  auto d = dataset("");
  auto r = records_->create(tenant_, d.id, pii_record());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->payload, pii_record());
  EXPECT_FALSE(r->quarantined);
  auto summary = boost::json::parse(r->findings).as_object();
  EXPECT_EQ(summary.at("entities").at("EMAIL_ADDRESS").at("paths").at(0).as_string(), "/prompt");
  EXPECT_EQ(summary.at("entities").at("US_SSN").at("count").as_int64(), 1);
  EXPECT_EQ(r->findings.find(kEmail), std::string::npos);
  EXPECT_EQ(r->findings.find(kSsn), std::string::npos);
  auto stored = records_->get(tenant_, d.id, r->id, std::nullopt);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->findings, r->findings);
  auto clean = records_->create(tenant_, d.id, R"({"text":"nothing to see"})");
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->findings, "");
}

TEST_F(PiiServiceTest, RejectNamesEntityAndPathAndStoresNothing) {
  auto d = dataset(R"({"action":"reject","entities":["US_SSN"]})");
  auto r = records_->create(tenant_, d.id, pii_record());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::BusinessRuleViolation);
  EXPECT_EQ(r.error().details().at("entity").as_string(), "US_SSN");
  EXPECT_EQ(r.error().details().at("path").as_string(), "/user/ssn");
  EXPECT_EQ(r.error().message().find(kSsn), std::string::npos);
  EXPECT_EQ(datasets_->get(tenant_, d.id)->record_count, 0);
  // Out of the policy's scope: stored.
  EXPECT_TRUE(records_->create(tenant_, d.id, R"({"email":"jane.doe@example.com"})"));
}

TEST_F(PiiServiceTest, QuarantineHidesFromReadsListsAndVersionsUntilReleased) {
  auto d = dataset(R"({"action":"quarantine"})");
  auto q = records_->create(tenant_, d.id, pii_record());
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->quarantined);
  auto c = records_->create(tenant_, d.id, R"({"text":"fine"})");
  ASSERT_TRUE(c);
  auto hidden = records_->get(tenant_, d.id, q->id, std::nullopt);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().kind(), ErrorKind::RecordNotFound);
  auto page = records_->list(tenant_, d.id, std::nullopt, std::nullopt, 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, c->id);
  ReadOptions queue;
  queue.filter = storage::RecordFilter::Quarantined;
  auto review = records_->list(tenant_, d.id, std::nullopt, std::nullopt, 10, queue);
  ASSERT_TRUE(review);
  ASSERT_EQ(review->items.size(), 1u);
  EXPECT_EQ(review->items[0].payload, pii_record());
  auto v1 = versions_->create(tenant_, d.id, "held", "key");
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(v1->record_count, 1);

  auto released = records_->release(tenant_, d.id, q->id, std::int64_t{1});
  ASSERT_TRUE(released) << released.error().message();
  EXPECT_FALSE(released->quarantined);
  EXPECT_EQ(released->revision, 2);
  EXPECT_EQ(released->payload, pii_record());
  EXPECT_EQ(records_->release(tenant_, d.id, q->id, std::nullopt).error().kind(), ErrorKind::Conflict);
  EXPECT_TRUE(records_->get(tenant_, d.id, q->id, std::nullopt));
  auto v2 = versions_->create(tenant_, d.id, "released", "key");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->record_count, 2);
}

TEST_F(PiiServiceTest, AnonymizeStoresOnlyTheAnonymizedRecord) {
  auto d = dataset(R"({"action":"anonymize","rules":{"EMAIL_ADDRESS":{"operator":"pseudonymize"},
                       "US_SSN":{"operator":"fpe"}}})");
  auto r = records_->create(tenant_, d.id, pii_record());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->payload.find(kEmail), std::string::npos);
  EXPECT_EQ(r->payload.find(kSsn), std::string::npos);
  auto doc = boost::json::parse(r->payload).as_object();
  const std::string ssn(doc.at("user").at("ssn").as_string());
  EXPECT_EQ(ssn.size(), kSsn.size());
  EXPECT_EQ(ssn[3], '-');
  auto raw = stores().records.get_record(tenant_, d.id, r->id);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->payload.find(kEmail), std::string::npos);
  // Deterministic within the tenant.
  auto again = records_->create(tenant_, d.id, pii_record());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->payload, r->payload);
}

TEST_F(PiiServiceTest, AnonymizedViewAppliesThePolicyAtReadTime) {
  auto d = dataset(R"({"action":"flag","default":{"operator":"replace"}})");
  auto r = records_->create(tenant_, d.id, pii_record());
  ASSERT_TRUE(r);
  ReadOptions anon;
  anon.anonymized = true;
  auto v = records_->get(tenant_, d.id, r->id, std::nullopt, anon);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->payload, R"({"prompt":"write to <EMAIL_ADDRESS>","user":{"ssn":"<US_SSN>"}})");
  auto plan = records_->plan_export(tenant_, d.id, std::nullopt, true);
  ASSERT_TRUE(plan);
  std::string out;
  ASSERT_TRUE(records_->run_export(*plan, [&](std::string_view chunk) { out += chunk; }));
  EXPECT_EQ(out, v->payload + "\n");
}

TEST_F(PiiServiceTest, TokenVaultOneTokenPerValueAndTenantScoped) {
  pii::Policy tok;
  tok.default_operator.kind = pii::OperatorKind::Tokenize;
  auto a = pii_->anonymize_text(tenant_, std::string(kEmail), tok);
  auto b = pii_->anonymize_text(tenant_, std::string(kEmail), tok);
  ASSERT_TRUE(a && b) << (a ? b.error().message() : a.error().message());
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(pii::looks_like_token(*a));
  auto back = pii_->detokenize(tenant_, *a);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, kEmail);
  EXPECT_EQ(pii_->detokenize(other_, *a).error().kind(), ErrorKind::ResourceNotFound);
  EXPECT_EQ(pii_->detokenize(tenant_, "not-a-token").error().kind(), ErrorKind::Validation);
  // The vault stores only ciphertext.
  auto other_tenant_token = pii_->anonymize_text(other_, std::string(kEmail), tok);
  ASSERT_TRUE(other_tenant_token);
  EXPECT_NE(*other_tenant_token, *a);
  // Keys are derived once per tenant and cached.
  EXPECT_EQ(key_loads_, 2);
}

TEST_F(PiiServiceTest, PolicyChangesTakeEffectOnTheNextWrite) {
  auto d = dataset(R"({"action":"flag"})");
  ASSERT_TRUE(records_->create(tenant_, d.id, pii_record()));
  DatasetUpdate u;
  u.pii_policy = std::optional<boost::json::value>(boost::json::parse(R"({"action":"reject"})"));
  ASSERT_TRUE(datasets_->update(tenant_, d.id, u, std::nullopt));
  EXPECT_EQ(records_->create(tenant_, d.id, pii_record()).error().kind(), ErrorKind::BusinessRuleViolation);
  DatasetUpdate bad;
  bad.pii_policy = std::optional<boost::json::value>(boost::json::parse(R"({"action":"explode"})"));
  auto e = datasets_->update(tenant_, d.id, bad, std::nullopt);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::Validation);
}

TEST_F(PiiServiceTest, SummaryCapsPathsPerEntity) {
  std::vector<pii::JsonFinding> many;
  for (int i = 0; i < 50; ++i) {
    pii::JsonFinding f;
    f.finding.entity = "EMAIL_ADDRESS";
    f.path = "/items/" + std::to_string(i);
    many.push_back(f);
  }
  auto s = boost::json::parse(PiiService::summarize(many)).as_object();
  EXPECT_EQ(s.at("total").as_int64(), 50);
  EXPECT_EQ(s.at("entities").at("EMAIL_ADDRESS").at("count").as_int64(), 50);
  EXPECT_EQ(s.at("entities").at("EMAIL_ADDRESS").at("paths").as_array().size(), 20u);
}

TEST_F(PiiServiceTest, PathsNeverCarryPiiFromObjectKeys) {
  auto d = dataset("");
  auto r = records_->create(tenant_, d.id, R"({"users":{"jane.doe@example.com":{"ssn":"536-22-8714"}}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->findings.find("jane"), std::string::npos) << r->findings;
  auto s = boost::json::parse(r->findings).as_object();
  EXPECT_EQ(s.at("entities").at("US_SSN").at("paths").at(0).as_string(), "/users/*/ssn");
  EXPECT_EQ(PiiService::safe_path("/a/" + std::string(100, 'x') + "/0", nullptr), "/a/*/0");
  EXPECT_EQ(PiiService::safe_path("", nullptr), "/");
}

TEST_F(PiiServiceTest, InvalidDefaultPolicyIsAConfigurationError) {
  PiiOptions o;
  o.default_policy_json = R"({"action":"nope"})";
  auto p = PiiService::create(shared_scanner(), stores().tokens, nullptr, events_, o);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::Configuration);
}

}  // namespace
}  // namespace vault::domain
