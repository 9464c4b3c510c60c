// Name -> validator table used by recognizer specs and custom recognizers.
#include "entity_validators.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace vault::pii {
namespace {

Verdict luhn_v(std::string_view s) { return verdict(luhn_valid(digits_of(s))); }
Verdict verhoeff_v(std::string_view s) { return verdict(verhoeff_valid(digits_of(s))); }
Verdict mod97_v(std::string_view s) { return verdict(iso7064_mod97_10_valid(alnum_upper(s))); }
Verdict mod11_10_v(std::string_view s) { return verdict(iso7064_mod11_10_valid(digits_of(s))); }
Verdict mod37_36_v(std::string_view s) { return verdict(iso7064_mod37_36_valid(alnum_upper(s))); }
Verdict icao_v(std::string_view s) { return verdict(icao9303_valid(alnum_upper(s))); }
Verdict base58_v(std::string_view s) { return verdict(base58check_valid(s)); }
Verdict bech32_v(std::string_view s) { return verdict(bech32_address_valid(s)); }

// Sorted by name (binary search).
constexpr std::pair<std::string_view, Validator> kValidators[] = {
    {"aba_routing", ev::aba_routing},
    {"address", ev::address},
    {"au_abn", ev::au_abn},
    {"au_acn", ev::au_acn},
    {"au_medicare", ev::au_medicare},
    {"au_tfn", ev::au_tfn},
    {"base58check", base58_v},
    {"bech32", bech32_v},
    {"ca_sin", ev::ca_sin},
    {"credit_card", ev::credit_card},
    {"crypto", ev::crypto},
    {"date", ev::date},
    {"de_health_insurance", ev::de_health_insurance},
    {"de_icao_document", ev::de_icao_document},
    {"de_lanr", ev::de_lanr},
    {"de_plz", ev::de_plz},
    {"de_social_security", ev::de_social_security},
    {"de_tax_id", ev::de_tax_id},
    {"de_tax_number", ev::de_tax_number},
    {"de_vat_id", ev::de_vat_id},
    {"dea_number", ev::dea_number},
    {"email", ev::email},
    {"es_nie", ev::es_nie},
    {"es_nif", ev::es_nif},
    {"fi_hetu", ev::fi_hetu},
    {"has_digit_and_letter", ev::has_digit_and_letter},
    {"iban", ev::iban},
    {"icao9303", icao_v},
    {"in_aadhaar", ev::in_aadhaar},
    {"in_gstin", ev::in_gstin},
    {"in_vehicle", ev::in_vehicle},
    {"ipv4", ev::ipv4},
    {"ipv6", ev::ipv6},
    {"iso7064_mod11_10", mod11_10_v},
    {"iso7064_mod37_36", mod37_36_v},
    {"iso7064_mod97_10", mod97_v},
    {"it_fiscal_code", ev::it_fiscal_code},
    {"it_vat", ev::it_vat},
    {"jwt", ev::jwt},
    {"kr_brn", ev::kr_brn},
    {"kr_driver_license", ev::kr_driver_license},
    {"kr_frn", ev::kr_frn},
    {"kr_rrn", ev::kr_rrn},
    {"luhn", luhn_v},
    {"mac", ev::mac},
    {"ph_tin", ev::ph_tin},
    {"phone", ev::phone},
    {"pl_pesel", ev::pl_pesel},
    {"se_orgnr", ev::se_orgnr},
    {"se_personnummer", ev::se_personnummer},
    {"sg_nric", ev::sg_nric},
    {"th_tnin", ev::th_tnin},
    {"tr_tckn", ev::tr_tckn},
    {"uk_driving_licence", ev::uk_driving_licence},
    {"uk_nhs", ev::uk_nhs},
    {"uk_nino", ev::uk_nino},
    {"url", ev::url},
    {"us_itin", ev::us_itin},
    {"us_mbi", ev::us_mbi},
    {"us_npi", ev::us_npi},
    {"us_ssn", ev::us_ssn},
    {"verhoeff", verhoeff_v},
    {"za_id", ev::za_id},
};

constexpr auto kNames = [] {
  std::array<std::string_view, std::size(kValidators)> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = kValidators[i].first;
  return n;
}();

static_assert(std::is_sorted(std::begin(kNames), std::end(kNames)), "kValidators must be sorted by name");

}  // namespace

std::optional<Validator> find_validator(std::string_view name) {
  auto it = std::lower_bound(std::begin(kValidators), std::end(kValidators), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == std::end(kValidators) || it->first != name) return std::nullopt;
  return it->second;
}

std::span<const std::string_view> validator_names() { return kNames; }

}  // namespace vault::pii
