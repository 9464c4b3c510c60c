// Entity validators, exercised through the registry (the names recognizer
// specs use). Valid / invalid samples per family.
#include "vault/pii/detection/validators.hpp"

#include <gtest/gtest.h>

namespace vault::pii {
namespace {

Verdict run(std::string_view validator, std::string_view value) {
  auto v = find_validator(validator);
  EXPECT_TRUE(v.has_value()) << validator;
  return v ? (*v)(value) : Verdict::Reject;
}

void expect_ok(std::string_view validator, std::initializer_list<std::string_view> values) {
  for (auto v : values) EXPECT_NE(run(validator, v), Verdict::Reject) << validator << " " << v;
}
void expect_bad(std::string_view validator, std::initializer_list<std::string_view> values) {
  for (auto v : values) EXPECT_EQ(run(validator, v), Verdict::Reject) << validator << " " << v;
}

TEST(UsValidators, SsnItinNpiMbiDea) {
  expect_ok("us_ssn", {"078-05-1123", "078.05.1123", "219-09-9999"});
  expect_bad("us_ssn", {"000-12-3456", "666-12-3456", "123-45-6789", "078-05-1120", "693-09.4444", "111-11-1111",
                        "123-00-4567", "123-45-0000"});
  expect_ok("us_itin", {"911-70-1234", "911531234", "900-94-1234"});
  expect_bad("us_itin", {"911-89-1234", "811-70-1234", "911-93-1234"});
  EXPECT_EQ(run("us_npi", "1234567893"), Verdict::Accept);
  expect_bad("us_npi", {"1234567890", "0234567893"});
  expect_ok("us_mbi", {"1EG4-TE5-MK73", "1eg4te5mk73"});
  expect_bad("us_mbi", {"1EG4-LE5-MK73", "1BG4-TE5-MK73", "12G4-TE5-MK73"});
  EXPECT_EQ(run("dea_number", "GL0285191"), Verdict::Accept);
  EXPECT_EQ(run("dea_number", "BG8207031"), Verdict::Reject);
  EXPECT_EQ(run("aba_routing", "121042882"), Verdict::Accept);
  EXPECT_EQ(run("credit_card", "4012-8888-8888-1881"), Verdict::Accept);
  EXPECT_EQ(run("credit_card", "4012-8888-8888-1882"), Verdict::Reject);
  EXPECT_EQ(run("credit_card", "1748503543012"), Verdict::Reject);
}

TEST(UkValidators, NhsNinoDrivingLicence) {
  EXPECT_EQ(run("uk_nhs", "943 476 5919"), Verdict::Accept);
  EXPECT_EQ(run("uk_nhs", "401-023-2138"), Verdict::Reject);
  expect_ok("uk_nino", {"AA 12 34 56 B", "tw987654a"});
  expect_bad("uk_nino", {"FQ 00 00 00 C", "BG123612A", "UV 98 76 54 B", "AA 12 34 56 E"});
  expect_ok("uk_driving_licence", {"MORGA607054SM9IJ", "SMITH862310AB1CD"});
  expect_bad("uk_driving_licence", {"SMITH813310AB1CD", "SMITH802300AB1CD"});
}

TEST(EuValidators, SpainItalyPolandNordics) {
  EXPECT_EQ(run("es_nif", "12345678Z"), Verdict::Accept);
  EXPECT_EQ(run("es_nif", "1111111-G"), Verdict::Accept);
  EXPECT_EQ(run("es_nif", "12345678A"), Verdict::Reject);
  EXPECT_EQ(run("es_nie", "X9613851N"), Verdict::Accept);
  EXPECT_EQ(run("es_nie", "Y8063915Q"), Verdict::Reject);
  EXPECT_NE(run("it_fiscal_code", "RSSMRA85T10A562S"), Verdict::Reject);
  EXPECT_EQ(run("it_fiscal_code", "RSSMRA85T10A562S"), Verdict::Accept);
  EXPECT_EQ(run("it_vat", "00000000000"), Verdict::Reject);
  EXPECT_EQ(run("pl_pesel", "44051401458"), Verdict::Accept);
  expect_bad("pl_pesel", {"44051401459", "11110021111", "4405140145"});
  EXPECT_EQ(run("fi_hetu", "010594Y9032"), Verdict::Accept);
  EXPECT_EQ(run("fi_hetu", "131052-308T"), Verdict::Accept);
  expect_bad("fi_hetu", {"310289-211C", "131052/308T", "012245A110G"});
  expect_ok("se_personnummer", {"199109242397", "19910924-2397", "9201232387"});
  expect_bad("se_personnummer", {"19001309-2393", "200504422381"});
  EXPECT_EQ(run("se_orgnr", "556703-7485"), Verdict::Accept);
  EXPECT_EQ(run("se_orgnr", "190003-0933"), Verdict::Reject);
}

TEST(DeValidators, GermanIdentifiers) {
  EXPECT_EQ(run("de_tax_id", "12345678903"), Verdict::Accept);
  expect_bad("de_tax_id", {"02345678901", "11111111111", "11112345678", "12345678904"});
  EXPECT_EQ(run("de_vat_id", "DE 136 695 976"), Verdict::Accept);
  EXPECT_EQ(run("de_vat_id", "DE123456789"), Verdict::Reject);
  EXPECT_EQ(run("de_health_insurance", "A000500015"), Verdict::Accept);
  EXPECT_EQ(run("de_health_insurance", "A000500010"), Verdict::Reject);
  EXPECT_EQ(run("de_lanr", "123456601"), Verdict::Accept);
  EXPECT_EQ(run("de_lanr", "234567601"), Verdict::Reject);
  EXPECT_EQ(run("de_icao_document", "F12345671"), Verdict::Accept);
  expect_bad("de_icao_document", {"C01234567", "A01234567"});
  EXPECT_EQ(run("de_social_security", "15070649C103"), Verdict::Accept);
  expect_bad("de_social_security", {"15071349C103", "15070649C100"});
  EXPECT_NE(run("de_plz", "10115"), Verdict::Reject);
  expect_bad("de_plz", {"01000", "99999"});
  EXPECT_NE(run("de_tax_number", "0281508150123"), Verdict::Reject);
  EXPECT_EQ(run("de_tax_number", "1781508150001"), Verdict::Reject);
}

TEST(ApacValidators, IndiaSingaporeAustraliaKoreaThailandPhilippines) {
  EXPECT_EQ(run("in_aadhaar", "3998 7654 3211"), Verdict::Accept);
  EXPECT_EQ(run("in_aadhaar", "1234 5678 9012"), Verdict::Reject);
  EXPECT_NE(run("in_gstin", "27ABCDE1234F1Z5"), Verdict::Reject);
  expect_bad("in_gstin", {"00ABCDE1234F1Z5", "38ABCDE1234F1Z5"});
  EXPECT_EQ(run("sg_nric", "S2740116C"), Verdict::Accept);
  EXPECT_EQ(run("au_abn", "51824753556"), Verdict::Accept);
  EXPECT_EQ(run("au_abn", "52 824 753 556"), Verdict::Reject);
  EXPECT_EQ(run("au_acn", "006249976"), Verdict::Accept);
  EXPECT_EQ(run("au_acn", "824 753 557"), Verdict::Reject);
  EXPECT_EQ(run("au_tfn", "876 543 210"), Verdict::Accept);
  EXPECT_EQ(run("au_tfn", "824753557"), Verdict::Reject);
  EXPECT_EQ(run("au_medicare", "2123 45670 1"), Verdict::Accept);
  EXPECT_EQ(run("au_medicare", "2123 25870 1"), Verdict::Reject);
  EXPECT_NE(run("kr_rrn", "960121-1234567"), Verdict::Reject);
  expect_bad("kr_rrn", {"0013321234567", "960303-0021413", "760413-5212134"});
  EXPECT_NE(run("kr_frn", "911124-5678901"), Verdict::Reject);
  EXPECT_EQ(run("kr_frn", "960121-1234567"), Verdict::Reject);
  EXPECT_EQ(run("kr_brn", "104-82-13138"), Verdict::Accept);
  EXPECT_EQ(run("kr_brn", "104-86-56658"), Verdict::Reject);
  EXPECT_EQ(run("kr_driver_license", "99-22-123456-12"), Verdict::Reject);
  EXPECT_EQ(run("th_tnin", "1220000000007"), Verdict::Accept);
  expect_bad("th_tnin", {"0234567890124", "1034567890124", "2345678901235", "1111111111111"});
  EXPECT_EQ(run("ph_tin", "000-123-456-001"), Verdict::Accept);
  expect_bad("ph_tin", {"000-123-457-000", "600-000-000"});
}

TEST(OtherValidators, TurkeySouthAfricaCanada) {
  EXPECT_EQ(run("tr_tckn", "10000000146"), Verdict::Accept);
  expect_bad("tr_tckn", {"10000000145", "12345678900", "01234567890"});
  EXPECT_EQ(run("za_id", "8001015009087"), Verdict::Accept);
  expect_bad("za_id", {"8001015009086", "9902294321191"});
  EXPECT_EQ(run("ca_sin", "130 692 544"), Verdict::Accept);
  expect_bad("ca_sin", {"130 692 545", "046 454-286", "812 345 678"});
}

TEST(GenericValidators, MacDatePhoneJwt) {
  EXPECT_EQ(run("mac", "00:1A:2B:3C:4D:5E"), Verdict::Accept);
  EXPECT_EQ(run("mac", "FF:FF:FF:FF:FF:FF"), Verdict::Reject);
  EXPECT_EQ(run("date", "2021-02-29"), Verdict::Reject);
  EXPECT_EQ(run("date", "2024-02-29"), Verdict::Accept);
  EXPECT_EQ(run("date", "31/31/2021"), Verdict::Reject);
  EXPECT_EQ(run("phone", "123"), Verdict::Reject);
  EXPECT_NE(run("phone", "(415) 555-0132"), Verdict::Reject);
  // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890"} . signature
  EXPECT_EQ(run("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
            Verdict::Accept);
  EXPECT_EQ(run("jwt", "eyJub3RhIjoiand0In0.eyJzdWIiOiIxIn0.abcdefghijkl"), Verdict::Reject);
}

}  // namespace
}  // namespace vault::pii
