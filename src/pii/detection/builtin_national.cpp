// Built-in recognizers of national identifiers (the entities of Presidio's
// country-specific recognizers).
#include "builtin_util.hpp"
#include "vault/pii/detection/catalogue.hpp"

namespace vault::pii {

using namespace builtin;

namespace {
constexpr Boundary W = Boundary::Word;
constexpr Boundary D = Boundary::Digit;

void americas(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("us_ssn", "US_SSN",
                    {pat(R"(\d{3}[- .]\d{2}[- .]\d{4})", 0.5), pat(R"(\d{5}-\d{4})", 0.05),
                     pat(R"(\d{3}-\d{6})", 0.05), pat(R"(\d{9})", 0.05)},
                    "us_ssn", {"social", "security", "ssn", "ssns", "ssid"}));
  out.push_back(rec("us_itin", "US_ITIN", {pat(R"(9\d{2}[- ]?\d{2}[- ]?\d{4})", 0.5)}, "us_itin",
                    {"individual", "taxpayer", "itin", "tax", "payer", "taxid", "tin"}));
  out.push_back(rec("aba_routing", "ABA_ROUTING_NUMBER",
                    {pat(R"([0123678]\d{8})", 0.05), pat(R"([0123678]\d{3}-\d{4}-\d)", 0.3)}, "aba_routing",
                    {"aba", "routing", "abarouting", "association", "bankrouting"}));
  out.push_back(rec("us_bank", "US_BANK_NUMBER", {pat(R"(\d{8,17})", 0.05)}, "",
                    {"bank", "check", "account", "account#", "acct", "save", "debit"}));
  out.push_back(rec("us_driver_license", "US_DRIVER_LICENSE",
                    // One letter takes 3+ digits and two letters 2+ (Colorado's "A123" / "AB12"
                    // are the shortest letter forms), so "x11", "v3", "md5" and "CC0" are not
                    // licences.
                    {pat(R"(([A-Z]\d{3,18}|[A-Z]{2}\d{2,18}|\d{2}[A-Z]{3}\d{5,6}|\d{9}[A-Z]|[A-Z]{2}\d{6}[A-Z]|)"
                         R"(\d{8}[A-Z]{2}|\d{3}[A-Z]{2}\d{4}|[A-Z]\d[A-Z]\d[A-Z]|\d{7,8}[A-Z]|[A-Z]\d{6}R))",
                         0.3, true)},
                    "", {"driver", "license", "permit", "lic", "identification", "dls", "cdls", "lic#", "driving"}));
  // A licence number of digits only (most states) is any number without the
  // words of a driver's licence next to it: "license" alone is every
  // software licence's, so it takes "driver" / "driving" / "DL", and then it
  // is a licence number (0.6, above the default threshold).
  {
    auto digits = rec("us_driver_license_digits", "US_DRIVER_LICENSE", {pat(R"((\d{6,14}|\d{16}))", 0.01)}, "",
                      {"driver", "drivers", "driving", "dl", "dl#", "dln", "cdl"});
    digits.min_context_score = 0.6;
    out.push_back(std::move(digits));
  }
  out.push_back(rec("us_passport", "US_PASSPORT", {pat(R"(\d{9})", 0.05), pat(R"([A-Z]\d{8})", 0.1, true)}, "",
                    {"us", "united", "states", "passport", "passport#", "travel", "document"}));
  out.push_back(rec("us_mbi", "US_MBI",
                    {pat(R"([1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?)"
                         R"([AC-HJKMNP-RT-Y]{2}\d{2})",
                         0.5, true)},
                    "us_mbi", {"medicare", "mbi", "beneficiary", "identifier"}));
  out.push_back(rec("us_npi", "US_NPI", {pat(R"([12]\d{3}[- ]?\d{3}[- ]?\d{3})", 0.1)}, "us_npi",
                    {"npi", "provider", "national", "identifier"}));
  out.push_back(rec("medical_license", "MEDICAL_LICENSE", {pat(R"([A-Z][A-Z9]\d{7})", 0.4, true)}, "dea_number",
                    {"medical", "certificate", "dea", "license"}));
  out.push_back(rec("ca_sin", "CA_SIN", {pat(R"(\d{3}[ -]?\d{3}[ -]?\d{3})", 0.3)}, "ca_sin",
                    {"sin", "social", "insurance", "nas", "assurance", "sociale"}));
}

void uk(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("uk_nhs", "UK_NHS", {pat(R"(\d{3}[- ]?\d{3}[- ]?\d{4})", 0.5)}, "uk_nhs",
                    {"national health service", "nhs", "health services authority", "health authority"}));
  out.push_back(rec("uk_nino", "UK_NINO",
                    {pat(R"([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])", 0.5, true)}, "uk_nino",
                    {"national insurance", "ni number", "nino", "insurance"}));
  out.push_back(rec("uk_passport", "UK_PASSPORT", {pat(R"([A-Z]{2}\d{7})", 0.1, true)}, "",
                    {"passport", "travel", "document"}));
  out.push_back(rec("uk_postcode", "UK_POSTCODE",
                    {pat(R"(([A-PR-UWYZ](\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY]) ?)"
                         R"(\d[ABD-HJLNP-UW-Z]{2}|GIR ?0AA))",
                         0.3)},
                    "", {"postcode", "post code", "postal", "address", "zip"}));
  out.push_back(rec("uk_driving_licence", "UK_DRIVING_LICENCE",
                    {pat(R"([A-Z9]{5}\d[0156]\d[0-3]\d\d[A-Z9]{2}\d[A-Z0-9]{2})", 0.5, true)}, "uk_driving_licence",
                    {"driving", "licence", "license", "dvla"}));
  out.push_back(rec("uk_vehicle", "UK_VEHICLE_REGISTRATION",
                    {pat(R"([A-HJ-PR-Y]{2}(0[2-9]|1\d|2[0-5]|5[1-9]|6\d|7[0-5]) ?[A-HJ-PR-Z]{3})", 0.3),
                     pat(R"([A-HJ-NP-Y]\d{1,3} ?[A-HJ-PR-Y]{3})", 0.2),
                     pat(R"([A-HJ-PR-Y]{3} ?\d{1,3}[A-HJ-NP-Y])", 0.2)},
                    "", {"registration", "reg", "vehicle", "car", "plate", "number plate"}));
}

void europe(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("es_nif", "ES_NIF", {pat(R"(\d{7,8}-?[A-Z])", 0.5, true)}, "es_nif",
                    {"nif", "dni", "documento", "identidad"}));
  out.push_back(rec("es_nie", "ES_NIE", {pat(R"([XYZ]\d{7}-?[A-Z])", 0.5, true)}, "es_nie",
                    {"nie", "extranjero", "identidad"}));
  out.push_back(rec("es_passport", "ES_PASSPORT", {pat(R"([A-Z]{3}\d{6})", 0.1, true)}, "",
                    {"pasaporte", "passport"}));
  out.push_back(rec("it_fiscal_code", "IT_FISCAL_CODE",
                    {pat(R"([A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z])", 0.3, true)}, "it_fiscal_code",
                    {"codice fiscale", "cf", "fiscale"}));
  out.push_back(rec("it_driver_license", "IT_DRIVER_LICENSE",
                    {pat(R"([A-Z]{2}\d{7}[A-Z])", 0.2, true), pat(R"(U1[A-Z0-9]{7}[A-Z])", 0.2, true)}, "",
                    {"patente", "guida", "license"}));
  out.push_back(rec("it_identity_card", "IT_IDENTITY_CARD",
                    {pat(R"([A-Z]{2} ?\d{7})", 0.1, true), pat(R"(\d{7}[A-Z]{2})", 0.1, true),
                     pat(R"(CA\d{5}[A-Z]{2})", 0.3, true)},
                    "", {"carta", "identità", "identita", "documento"}));
  out.push_back(rec("it_passport", "IT_PASSPORT", {pat(R"([A-Z]{2}\d{7})", 0.1, true)}, "",
                    {"passaporto", "passport"}));
  out.push_back(rec("it_vat", "IT_VAT_CODE", {pat(R"(\d{11})", 0.1)}, "it_vat", {"piva", "iva", "partita"}));
  out.push_back(rec("pl_pesel", "PL_PESEL", {pat(R"(\d{11})", 0.4)}, "pl_pesel", {"pesel"}));
  out.push_back(rec("fi_hetu", "FI_PERSONAL_IDENTITY_CODE",
                    {pat(R"(\d{6}[-+A-FU-Y]\d{3}[0-9A-Y])", 0.5, true, D, W)}, "fi_hetu",
                    {"hetu", "henkilötunnus", "personal identity code", "identity"}));
  out.push_back(rec("se_personnummer", "SE_PERSONNUMMER", {pat(R"((\d{2})?\d{6}[-+]?\d{4})", 0.5, false, D, W)},
                    "se_personnummer", {"personnummer", "pnr", "personal identity"}));
  out.push_back(rec("se_orgnr", "SE_ORGANISATIONSNUMMER", {pat(R"(\d{6}-?\d{4})", 0.5, false, D, W)}, "se_orgnr",
                    {"organisationsnummer", "orgnummer", "orgnr", "company"}));
}

void germany(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("de_tax_id", "DE_TAX_ID", {pat(R"(\d{11})", 0.3), pat(R"(\d{2} \d{3} \d{3} \d{3})", 0.3)},
                    "de_tax_id", {"steuer", "steuer-id", "steueridentifikationsnummer", "idnr", "tin"}));
  out.push_back(rec("de_tax_number", "DE_TAX_NUMBER",
                    {pat(R"(\d{13})", 0.2), pat(R"(\d{2,3}/\d{3,4}/\d{4,5})", 0.3)}, "de_tax_number",
                    {"steuernummer", "stnr", "finanzamt"}));
  out.push_back(rec("de_vat_id", "DE_VAT_ID", {pat(R"(DE[ .-]?\d{3}[ .-]?\d{3}[ .-]?\d{3})", 0.4, true)},
                    "de_vat_id", {"ust-idnr", "ust", "umsatzsteuer", "vat"}));
  out.push_back(rec("de_health_insurance", "DE_HEALTH_INSURANCE", {pat(R"([A-Z]\d{9})", 0.3, true)},
                    "de_health_insurance", {"krankenversicherung", "kvnr", "egk", "versichertennummer"}));
  out.push_back(rec("de_lanr", "DE_LANR", {pat(R"(\d{9})", 0.2)}, "de_lanr", {"lanr", "arztnummer", "arzt"}));
  out.push_back(rec("de_id_card", "DE_ID_CARD", {pat(R"([CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}\d)", 0.2, true)},
                    "de_icao_document", {"personalausweis", "ausweis", "ausweisnummer"}));
  out.push_back(rec("de_passport", "DE_PASSPORT", {pat(R"([CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}\d)", 0.2, true)},
                    "de_icao_document", {"reisepass", "pass", "passnummer", "pass-nr"}));
  out.push_back(rec("de_social_security", "DE_SOCIAL_SECURITY", {pat(R"(\d{8}[A-Z]\d{3})", 0.4, true)},
                    "de_social_security", {"rentenversicherung", "sozialversicherung", "rvnr", "svnr"}));
  out.push_back(rec("de_plz", "DE_PLZ", {pat(R"(\d{5})", 0.05)}, "de_plz", {"plz", "postleitzahl"}));
  out.push_back(rec("de_handelsregister", "DE_HANDELSREGISTER", {pat(R"(HR[AB] ?\d{1,6})", 0.5, true)}, "",
                    {"handelsregister", "amtsgericht", "registergericht"}));
  out.push_back(rec("de_fuehrerschein", "DE_FUEHRERSCHEIN", {pat(R"([A-Z]{2}\d{8}[A-Z0-9])", 0.2, true)}, "",
                    {"führerschein", "fahrerlaubnis", "fuehrerschein"}));
  out.push_back(rec("de_kfz", "DE_KFZ", {pat(R"([A-Z]{1,3}[ -][A-Z]{1,2}[ -]\d{1,4}[EH]?)", 0.1, true)}, "",
                    {"kennzeichen", "kfz", "fahrzeug"}));
  out.push_back(rec("de_bsnr", "DE_BSNR", {pat(R"(\d{9})", 0.05)}, "", {"bsnr", "betriebsstättennummer"}));
}

void asia_pacific(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("in_aadhaar", "IN_AADHAAR", {pat(R"(\d{4}[ :-]?\d{4}[ :-]?\d{4})", 0.3)}, "in_aadhaar",
                    {"aadhaar", "uidai", "aadhar", "uid"}));
  out.push_back(rec("in_pan", "IN_PAN", {pat(R"([A-Z]{5}\d{4}[A-Z])", 0.5, true)}, "",
                    {"pan", "permanent account number"}));
  out.push_back(rec("in_pan_weak", "IN_PAN", {pat(R"([A-Z0-9]{10})", 0.05, true)}, "has_digit_and_letter",
                    {"pan", "permanent account number"}));
  out.push_back(rec("in_passport", "IN_PASSPORT", {pat(R"([A-Z][1-9]\d ?\d{4}[1-9])", 0.1, true)}, "",
                    {"passport", "indian"}));
  out.push_back(rec("in_vehicle", "IN_VEHICLE_REGISTRATION", {pat(R"([A-Z]{2}(\d{1,2}[A-Z]{0,3})?\d{4})", 0.5, true)},
                    "in_vehicle", {"vehicle", "registration", "rto"}));
  out.push_back(rec("in_vehicle_old", "IN_VEHICLE_REGISTRATION", {pat(R"([A-Z]{3}\d{4})", 0.1, true)}, "",
                    {"vehicle", "registration", "rto"}));
  out.push_back(rec("in_voter", "IN_VOTER", {pat(R"([A-Z]{3}\d{7})", 0.3, true)}, "", {"voter", "epic", "election"}));
  out.push_back(rec("in_gstin", "IN_GSTIN", {pat(R"(\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z])", 0.5, true)},
                    "in_gstin", {"gstin", "gst", "tax"}));
  out.push_back(rec("sg_nric", "SG_NRIC_FIN", {pat(R"([STFGM]\d{7}[A-Z])", 0.5, true)}, "sg_nric",
                    {"nric", "fin", "singapore"}));
  out.push_back(rec("sg_nric_weak", "SG_NRIC_FIN", {pat(R"([A-Z]\d{7}[A-Z])", 0.3, true)}, "",
                    {"nric", "fin", "singapore"}));
  out.push_back(rec("sg_uen", "SG_UEN",
                    {pat(R"(\d{8}[A-Z])", 0.3), pat(R"(\d{9}[A-Z])", 0.3), pat(R"([RST]\d{2}[A-Z]{2}\d{4}[A-Z])", 0.3)},
                    "", {"uen", "business", "registration"}));
  out.push_back(rec("au_abn", "AU_ABN", {pat(R"(\d{2} ?\d{3} ?\d{3} ?\d{3})", 0.1)}, "au_abn",
                    {"australian business number", "abn"}));
  out.push_back(rec("au_acn", "AU_ACN", {pat(R"(\d{3} ?\d{3} ?\d{3})", 0.1)}, "au_acn",
                    {"australian company number", "acn"}));
  out.push_back(rec("au_tfn", "AU_TFN", {pat(R"(\d{3} ?\d{3} ?\d{3})", 0.1)}, "au_tfn", {"tax file number", "tfn"}));
  out.push_back(rec("au_medicare", "AU_MEDICARE", {pat(R"([2-6]\d{3} ?\d{5} ?\d)", 0.1)}, "au_medicare",
                    {"medicare"}));
  out.push_back(rec("kr_rrn", "KR_RRN", {pat(R"(\d{6}-?\d{7})", 0.5)}, "kr_rrn",
                    {"rrn", "resident registration", "주민등록번호"}));
  out.push_back(rec("kr_frn", "KR_FRN", {pat(R"(\d{6}-?\d{7})", 0.5)}, "kr_frn",
                    {"frn", "foreigner registration", "외국인등록번호"}));
  out.push_back(rec("kr_brn", "KR_BRN", {pat(R"(\d{3}-?\d{2}-?\d{5})", 0.3)}, "kr_brn",
                    {"brn", "business registration", "사업자등록번호"}));
  out.push_back(rec("kr_driver_license", "KR_DRIVER_LICENSE", {pat(R"(\d{2}[- ]?\d{2}[- ]?\d{6}[- ]?\d{2})", 0.3)},
                    "kr_driver_license", {"driver", "license", "운전면허"}));
  out.push_back(rec("kr_passport", "KR_PASSPORT",
                    {pat(R"([MSROD]\d{3}[A-Z]\d{4})", 0.3, true), pat(R"([MSROD]\d{8})", 0.2, true)}, "",
                    {"passport", "여권"}));
  out.push_back(rec("th_tnin", "TH_TNIN", {pat(R"(\d{13})", 0.5), pat(R"(\d-\d{4}-\d{5}-\d{2}-\d)", 0.5)}, "th_tnin",
                    {"thai", "national id", "เลขประจำตัวประชาชน", "บัตรประชาชน"}));
  out.push_back(rec("ph_tin", "PH_TIN", {pat(R"(\d{3}-?\d{3}-?\d{3}(-?\d{3})?)", 0.3)}, "ph_tin",
                    {"tin", "tax"}));
  out.push_back(rec("ph_mobile", "PH_MOBILE_NUMBER",
                    {pat(R"((\+63[ -]?|0 ?)\(?9\d{2}\)?[ -]?\d{3}[ -]?\d{4})", 0.5, false, D, W)}, "",
                    {"mobile", "phone", "telepono", "cellphone", "number"}));
}

void other(std::vector<RecognizerSpec>& out) {
  out.push_back(rec("tr_tckn", "TR_NATIONAL_ID", {pat(R"([1-9]\d{10})", 0.5)}, "tr_tckn",
                    {"tc", "kimlik", "tckn", "turkish", "national"}));
  out.push_back(rec("tr_plate", "TR_LICENSE_PLATE",
                    {pat(R"((0[1-9]|[1-7]\d|8[01]) ?[A-Z]{1,3} ?\d{2,4})", 0.3)}, "",  // plates are upper case
                    {"plaka", "plate", "license"}));
  out.push_back(rec("tr_phone", "TR_PHONE_NUMBER",
                    {pat(R"((\+90[ -]?|0[ -]?)?\(?[2-5]\d{2}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2})", 0.4, false, D, W)},
                    "", {"telefon", "phone", "numara"}));
  out.push_back(rec("ng_nin", "NG_NIN", {pat(R"(\d{11})", 0.01)}, "", {"nin", "nimc"}));
  out.push_back(rec("ng_vehicle", "NG_VEHICLE_REGISTRATION", {pat(R"([A-Z]{3}-\d{3}[A-Z]{2})", 0.5, true)}, "",
                    {"plate", "vehicle"}));
  out.push_back(rec("za_id", "ZA_ID_NUMBER", {pat(R"(\d{13})", 0.5)}, "za_id", {"id", "identity", "resident"}));
}
}  // namespace

std::vector<RecognizerSpec> national_recognizers() {
  std::vector<RecognizerSpec> out;
  americas(out);
  uk(out);
  europe(out);
  germany(out);
  asia_pacific(out);
  other(out);
  // Every national identifier contains digits and is short: run them only
  // around digits (see PatternSpec::digit_anchored).
  for (auto& r : out)
    for (auto& p : r.patterns) p.digit_anchored = true;
  return out;
}

}  // namespace vault::pii
