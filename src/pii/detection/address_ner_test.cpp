// Street addresses and the dictionary NER on sentences of our own (not taken
// from the evaluation data): shapes the address recognizer must cover, and
// shapes that must not become organisations now that the rules written for
// the data generator's quirks are gone (issue 14).
#include "vault/pii/detection/scanner.hpp"

#include "test_scanner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vault::pii {
namespace {

using testing::default_scanner;

std::vector<std::string> found(const std::string& text, const std::string& entity) {
  ScanOptions o;
  o.entities = {entity};
  std::vector<std::string> out;
  for (const auto& f : default_scanner().scan_text(text, o)) out.push_back(text.substr(f.begin, f.end - f.begin));
  return out;
}

using V = std::vector<std::string>;

TEST(Address, HouseNumberStreetNameStreetType) {
  EXPECT_EQ(found("Please ship it to 12 Orchard Road before Friday.", "ADDRESS"), V{"12 Orchard Road"});
  EXPECT_EQ(found("The office moved to 17 Harold Avenue last year.", "ADDRESS"), V{"17 Harold Avenue"});
  // A street named after a person stays one ADDRESS, not a PERSON inside it.
  auto all = default_scanner().scan_text("Deliver to 17 Harold Avenue.");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].entity, "ADDRESS");
}

TEST(Address, ContinentalAndCompoundStreets) {
  EXPECT_EQ(found("Unsere Adresse: Kerkstraat 4, Utrecht.", "ADDRESS"), V{"Kerkstraat 4"});
  EXPECT_EQ(found("Send it to Rosenvej 12 please.", "ADDRESS"), V{"Rosenvej 12"});
  EXPECT_EQ(found("Our address is Via Garibaldi 15.", "ADDRESS"), V{"Via Garibaldi 15"});
  EXPECT_EQ(found("Mail the form to P.O. Box 77.", "ADDRESS"), V{"P.O. Box 77"});
}

TEST(Address, NoStreetNoAddress) {
  EXPECT_TRUE(found("We sold 12 tickets for the match.", "ADDRESS").empty());
  // "Stadion" is a stadium, not a street type.
  EXPECT_TRUE(found("Tickets for 12 Olympic Stadion games are sold out.", "ADDRESS").empty());
}

TEST(Ner, PeopleListedWithCommasAreNotAnOrganisation) {
  std::string text = "The report was written by Smith, Jones and Brown last week.";
  EXPECT_TRUE(found(text, "ORGANIZATION").empty());
}

TEST(Ner, DoubleBarrelledSurnameIsNotAnOrganisation) {
  std::string text = "The meeting with Clarke-Wood is on Monday.";
  EXPECT_TRUE(found(text, "ORGANIZATION").empty());
}

TEST(Ner, OrganisationWithLegalSuffix) {
  EXPECT_EQ(found("She works for Northwind Traders Ltd. in Leeds.", "ORGANIZATION"), V{"Northwind Traders Ltd."});
}

}  // namespace
}  // namespace vault::pii
