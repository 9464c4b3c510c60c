#include "vault/pii/anonymization/anonymizer.hpp"

#include "pii/detection/test_scanner.hpp"
#include "vault/pii/detection/validators.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>
#include <set>

namespace vault::pii {
namespace {

const std::string kMaster(32, 'm');

struct Fixture {
  AnonymizerKeys keys = std::move(*derive_anonymizer_keys(crypto::as_bytes(kMaster), "t1"));
  InMemoryTokenStore store;
  AnonymizerContext ctx{&keys, "t1", &store};
};

Policy policy_with(OperatorKind kind) {
  Policy p;
  p.action = PolicyAction::Anonymize;
  p.min_confidence = 0.0;
  p.default_operator.kind = kind;
  return p;
}

Finding finding(std::string entity, std::size_t b, std::size_t e, double score = 0.9) {
  Finding f;
  f.entity = std::move(entity);
  f.begin = b;
  f.end = e;
  f.score = score;
  return f;
}

std::uint64_t count_of(const AnonymizeStats& s, std::string_view strategy, std::string_view field,
                       std::string_view status) {
  for (const auto& op : s.operations)
    if (op.strategy == strategy && op.field_type == field && op.status == status) return op.count;
  return 0;
}

TEST(AnonTextTest, ReplacesUnsortedFindingsRightToLeft) {
  Fixture f;
  std::string text = "mail a@b.co or call 555-0100 now";
  std::vector<Finding> fs = {finding("PHONE_NUMBER", 20, 28), finding("EMAIL_ADDRESS", 5, 11)};
  AnonymizeStats stats;
  auto r = anonymize_text(text, fs, policy_with(OperatorKind::Replace), f.ctx, &stats);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "mail <EMAIL_ADDRESS> or call <PHONE_NUMBER> now");
  EXPECT_EQ(stats.applied, 2u);
  EXPECT_EQ(count_of(stats, "replace", "EMAIL_ADDRESS", "success"), 1u);
  EXPECT_EQ(count_of(stats, "replace", "PHONE_NUMBER", "success"), 1u);
}

TEST(AnonTextTest, OverlapsKeepTheBestFindingAndCountSkips) {
  Fixture f;
  std::string text = "id 4111111111111111 end";
  std::vector<Finding> fs = {finding("US_BANK_NUMBER", 3, 15, 0.4), finding("CREDIT_CARD", 3, 19, 1.0),
                             finding("PHONE_NUMBER", 10, 19, 0.5)};
  AnonymizeStats stats;
  auto r = anonymize_text(text, fs, policy_with(OperatorKind::Replace), f.ctx, &stats);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "id <CREDIT_CARD> end");
  EXPECT_EQ(stats.skipped, 2u);
  EXPECT_EQ(count_of(stats, "replace", "US_BANK_NUMBER", "skipped"), 1u);
}

TEST(AnonTextTest, PolicyScopeRulesAndBadOffsets) {
  Fixture f;
  std::string text = "a@b.co 123-45-6789";
  auto p = policy_with(OperatorKind::Redact);
  p.min_confidence = 0.5;
  p.rules["US_SSN"].kind = OperatorKind::Mask;
  std::vector<Finding> fs = {finding("EMAIL_ADDRESS", 0, 6, 0.3),  // below min_confidence
                             finding("US_SSN", 7, 18, 0.9), finding("X", 10, 99, 1.0), finding("Y", 5, 5, 1.0)};
  auto r = anonymize_text(text, fs, p, f.ctx);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "a@b.co ***-**-6789");
  p.entities = {"EMAIL_ADDRESS"};
  p.min_confidence = 0.0;
  r = anonymize_text(text, fs, p, f.ctx);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, " 123-45-6789");
}

TEST(AnonTextTest, OperatorFailureFallsBackToEntityTag) {
  Fixture f;
  std::string text = "zip 12345 here";
  AnonymizeStats stats;
  auto r = anonymize_text(text, {finding("ZIP", 4, 9)}, policy_with(OperatorKind::Fpe), f.ctx, &stats);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "zip <ZIP> here");
  EXPECT_EQ(stats.fallbacks, 1u);
  EXPECT_EQ(count_of(stats, "fpe", "ZIP", "fallback"), 1u);
  // A missing key is a configuration error for the whole call.
  AnonymizerContext no_keys;
  auto bad = anonymize_text(text, {finding("ZIP", 4, 9)}, policy_with(OperatorKind::Hash), no_keys);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::Configuration);
}

TEST(AnonJsonTest, RewritesStringsAndNumbersAtPointers) {
  Fixture f;
  auto doc = boost::json::parse(R"({"user": {"email": "jane.doe@corp.io", "card": 4111111111111111,
                                     "ssn": "123-45-6789", "age": 42},
                                     "items": [{"ip": "10.1.2.3"}], "note": "hi"})");
  std::vector<JsonFinding> fs = {
      {finding("EMAIL_ADDRESS", 0, 16), "/user/email"},
      {finding("CREDIT_CARD", 0, 16), "/user/card"},
      {finding("US_SSN", 0, 11), "/user/ssn"},
      {finding("IP_ADDRESS", 0, 8), "/items/0/ip"},
      {finding("PERSON", 0, 2), "/missing/path"},
  };
  auto p = policy_with(OperatorKind::Replace);
  p.rules["EMAIL_ADDRESS"].kind = OperatorKind::Pseudonymize;
  p.rules["CREDIT_CARD"].kind = OperatorKind::Pseudonymize;
  p.rules["US_SSN"].kind = OperatorKind::Mask;
  p.rules["IP_ADDRESS"].kind = OperatorKind::Generalize;
  auto stats = anonymize_json(doc, fs, p, f.ctx);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->applied, 4u);
  const auto& user = doc.at("user");
  EXPECT_TRUE(user.at("email").is_string());
  EXPECT_NE(user.at("email").as_string(), "jane.doe@corp.io");
  EXPECT_TRUE(user.at("email").as_string().ends_with(".com") || user.at("email").as_string().ends_with(".net") ||
              user.at("email").as_string().ends_with(".org"));
  ASSERT_TRUE(user.at("card").is_int64()) << boost::json::serialize(doc);  // same-shape number
  auto card = std::to_string(user.at("card").as_int64());
  EXPECT_NE(card, "4111111111111111");
  EXPECT_TRUE(luhn_valid(card));
  EXPECT_EQ(user.at("ssn").as_string(), "***-**-6789");
  EXPECT_EQ(doc.at("items").at(0).at("ip").as_string(), "10.1.2.0/24");
  EXPECT_EQ(user.at("age").as_int64(), 42);
  EXPECT_EQ(doc.at("note").as_string(), "hi");

  // A masked number becomes a string.
  auto doc2 = boost::json::parse(R"({"card": 4111111111111111})");
  p.rules["CREDIT_CARD"].kind = OperatorKind::Mask;
  ASSERT_TRUE(anonymize_json(doc2, {{finding("CREDIT_CARD", 0, 16), "/card"}}, p, f.ctx));
  EXPECT_EQ(doc2.at("card").as_string(), "************1111");
}

TEST(AnonJsonTest, RewritesKeysInPlaceDeepestFirstWithStableSuffixes) {
  Fixture f;
  Policy p = policy_with(OperatorKind::Replace);
  auto doc = boost::json::parse(R"({"a@b.co":{"c@d.co":1,"x":2},"e@f.co":3,"keep":"a@b.co"})");
  std::vector<JsonFinding> fs = {
      {finding("EMAIL_ADDRESS", 0, 6), "/a@b.co", true},
      {finding("EMAIL_ADDRESS", 0, 6), "/a@b.co/c@d.co", true},
      {finding("EMAIL_ADDRESS", 0, 6), "/e@f.co", true},
      {finding("EMAIL_ADDRESS", 0, 6), "/keep", false},
  };
  auto stats = anonymize_json(doc, fs, p, f.ctx);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->applied, 4u);
  const auto& o = doc.as_object();
  ASSERT_EQ(o.size(), 3u);
  auto it = o.begin();
  EXPECT_EQ(it->key(), "<EMAIL_ADDRESS>");
  EXPECT_EQ(it->value().as_object().begin()->key(), "<EMAIL_ADDRESS>");  // the nested key too
  EXPECT_EQ(it->value().at("x").as_int64(), 2);
  ++it;
  EXPECT_EQ(it->key(), "<EMAIL_ADDRESS>_2");  // collided with the first: suffixed, order kept
  EXPECT_EQ(it->value().as_int64(), 3);
  ++it;
  EXPECT_EQ(it->key(), "keep");
  EXPECT_EQ(it->value().as_string(), "<EMAIL_ADDRESS>");
}

TEST(AnonJsonTest, KeyFindingsOnMissingMembersAreSkipped) {
  Fixture f;
  Policy p = policy_with(OperatorKind::Replace);
  auto doc = boost::json::parse(R"({"a~/b":1})");
  std::vector<JsonFinding> fs = {{finding("X", 0, 1), "/nope", true}, {finding("X", 0, 4), "/a~0~1b", true}};
  ASSERT_TRUE(anonymize_json(doc, fs, p, f.ctx));
  EXPECT_EQ(doc, boost::json::parse(R"({"<X>":1})"));
}

TEST(AnonJsonTest, FailureLeavesDocumentUntouched) {
  auto doc = boost::json::parse(R"({"a": "x@y.z", "b": "q@r.s"})");
  const auto before = doc;
  AnonymizerContext no_keys;
  auto p = policy_with(OperatorKind::Replace);
  p.rules["H"].kind = OperatorKind::Hash;
  auto r = anonymize_json(doc, {{finding("EMAIL_ADDRESS", 0, 5), "/a"}, {finding("H", 0, 5), "/b"}}, p, no_keys);
  ASSERT_FALSE(r);
  EXPECT_EQ(doc, before);
}

// --- property test ------------------------------------------------------------

struct Generator {
  std::mt19937_64 rng{20261127};
  int below(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  std::string digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + below(10)));
    return s;
  }
  std::string card() {
    std::string s = "4" + digits(14);
    for (char c = '0'; c <= '9'; ++c)
      if (luhn_valid(s + c)) return s + c;
    return s;
  }
  std::string ssn() {
    int area = 1 + below(665);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d-%02d-%04d", area, 1 + below(99), 1 + below(9999));
    return buf;
  }
  std::string iban() {
    std::string bban = digits(18);
    for (int ck = 2; ck <= 98; ++ck) {
      char c[3];
      std::snprintf(c, sizeof c, "%02d", ck % 100);
      std::string candidate = std::string("DE") + c + bban;
      if (iban_valid(candidate)) return candidate;
    }
    return "DE00" + bban;
  }
  std::string email() {
    static const char* names[] = {"anna", "bob", "chloe", "dmitri", "eve", "farid"};
    return std::string(names[below(6)]) + "." + digits(3) + "@" + (below(2) ? "mail.test" : "corp.example");
  }
  std::string ip() {
    return std::to_string(11 + below(180)) + "." + std::to_string(below(256)) + "." + std::to_string(below(256)) +
           "." + std::to_string(1 + below(254));
  }
  std::string person() {
    static const char* first[] = {"Margaret", "Robert", "Alice", "Thomas", "Maria", "James"};
    static const char* last[] = {"Thompson", "Garcia", "Walker", "Robinson", "Nguyen", "Martinez"};
    return std::string("contact ") + first[below(6)] + " " + last[below(6)];
  }
  std::string record() {
    static const char* words[] = {"please", "update", "the", "account", "for", "customer", "and", "notify", "team"};
    std::string out;
    int parts = 4 + below(5);
    for (int i = 0; i < parts; ++i) {
      out += words[below(9)];
      out += ' ';
      switch (below(8)) {
        case 6: out += "call +1 (" + std::to_string(201 + below(700)) + ") " + std::to_string(201 + below(700)) + "-" + digits(4); break;
        case 7: out += person(); break;
        case 0: out += "email " + email(); break;
        case 1: out += "card " + card(); break;
        case 2: out += "ssn " + ssn(); break;
        case 3: out += "iban " + iban(); break;
        case 4: out += "ip " + ip(); break;
        default: out += words[below(9)]; break;
      }
      out += below(3) == 0 ? ". " : " ";
    }
    return out;
  }
};

TEST(AnonPropertyTest, NoDetectedValueSurvivesAnyOperator) {
  const Scanner& scanner = testing::default_scanner();
  Fixture f;
  Generator gen;
  const OperatorKind kinds[] = {OperatorKind::Redact,   OperatorKind::Replace,      OperatorKind::Mask,
                                OperatorKind::Hash,     OperatorKind::Pseudonymize, OperatorKind::Tokenize,
                                OperatorKind::Fpe,      OperatorKind::Generalize,   OperatorKind::Encrypt};
  std::size_t checked = 0;
  std::set<std::string> entities_seen;
  for (int i = 0; i < 150; ++i) {
    const std::string text = gen.record();
    const auto findings = scanner.scan_text(text);
    for (auto kind : kinds) {
      auto policy = policy_with(kind);
      auto out = anonymize_text(text, findings, policy, f.ctx);
      ASSERT_TRUE(out) << operator_name(kind) << ": " << out.error().message();
      for (const auto& fd : findings) {
        std::string original = text.substr(fd.begin, fd.end - fd.begin);
        if (original.size() < 6) continue;  // short spans can recur by chance
        entities_seen.insert(fd.entity);
        ++checked;
        EXPECT_EQ(out->find(original), std::string::npos)
            << operator_name(kind) << " left " << fd.entity << " in: " << *out;
      }
    }
  }
  EXPECT_GT(checked, 1000u);
  // Control: with `keep` the same check does see the originals.
  const std::string text = gen.record() + " email " + gen.email();
  const auto findings = scanner.scan_text(text);
  auto kept = anonymize_text(text, findings, policy_with(OperatorKind::Keep), f.ctx);
  ASSERT_TRUE(kept);
  ASSERT_FALSE(findings.empty());
  EXPECT_NE(kept->find(text.substr(findings[0].begin, findings[0].end - findings[0].begin)), std::string::npos);
  for (const char* e : {"EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS", "PHONE_NUMBER", "PERSON"})
    EXPECT_TRUE(entities_seen.contains(e)) << e << " was never detected";
}

}  // namespace
}  // namespace vault::pii
