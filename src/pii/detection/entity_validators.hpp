#pragma once
// Entity-specific validators (internal). Each takes the matched text and
// returns a Verdict; they are registered by name in validator_registry.cpp.
#include "vault/pii/detection/validators.hpp"

namespace vault::pii::ev {

// generic
Verdict credit_card(std::string_view);
Verdict iban(std::string_view);
Verdict crypto(std::string_view);
Verdict ipv4(std::string_view);
Verdict ipv6(std::string_view);
Verdict mac(std::string_view);
Verdict date(std::string_view);
Verdict phone(std::string_view);
Verdict email(std::string_view);
Verdict url(std::string_view);
Verdict address(std::string_view);
Verdict jwt(std::string_view);
Verdict has_digit_and_letter(std::string_view);
// United States
Verdict us_ssn(std::string_view);
Verdict us_itin(std::string_view);
Verdict aba_routing(std::string_view);
Verdict us_npi(std::string_view);
Verdict us_mbi(std::string_view);
Verdict dea_number(std::string_view);
// United Kingdom
Verdict uk_nhs(std::string_view);
Verdict uk_nino(std::string_view);
Verdict uk_driving_licence(std::string_view);
// Europe
Verdict es_nif(std::string_view);
Verdict es_nie(std::string_view);
Verdict it_fiscal_code(std::string_view);
Verdict it_vat(std::string_view);
Verdict pl_pesel(std::string_view);
Verdict fi_hetu(std::string_view);
Verdict se_personnummer(std::string_view);
Verdict se_orgnr(std::string_view);
// Germany
Verdict de_tax_id(std::string_view);
Verdict de_tax_number(std::string_view);
Verdict de_vat_id(std::string_view);
Verdict de_health_insurance(std::string_view);
Verdict de_lanr(std::string_view);
Verdict de_icao_document(std::string_view);
Verdict de_social_security(std::string_view);
Verdict de_plz(std::string_view);
// Asia-Pacific
Verdict in_aadhaar(std::string_view);
Verdict in_gstin(std::string_view);
Verdict in_vehicle(std::string_view);
Verdict sg_nric(std::string_view);
Verdict au_abn(std::string_view);
Verdict au_acn(std::string_view);
Verdict au_tfn(std::string_view);
Verdict au_medicare(std::string_view);
Verdict kr_rrn(std::string_view);
Verdict kr_frn(std::string_view);
Verdict kr_brn(std::string_view);
Verdict kr_driver_license(std::string_view);
Verdict th_tnin(std::string_view);
Verdict ph_tin(std::string_view);
// Other
Verdict tr_tckn(std::string_view);
Verdict za_id(std::string_view);
Verdict ca_sin(std::string_view);

}  // namespace vault::pii::ev
