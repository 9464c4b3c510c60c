// Built-in street-address recognizers (entity ADDRESS): house number +
// street name + street type, continental "Rue/Via/Calle ... 12" forms,
// Germanic/Nordic compound street names ("...straße 5", "...vej 12"),
// apartment / suite / PO box parts, military addresses, ZIP codes in context.
#include "builtin_util.hpp"
#include "vault/pii/detection/catalogue.hpp"

namespace vault::pii {

using namespace builtin;

namespace {
constexpr const char* kStreetTypes =
    "(Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|"
    "Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Crescent|Close|Grove|Gardens|Park|Row|Mews|Walk|Alley|"
    "Plaza|Ridge|Point|Pike|Heights|Crossing|Loop|Path|Run|Expressway|Freeway|Turnpike|Causeway|Esplanade|"
    "Promenade|Quay|Wharf|Stravenue)";
constexpr const char* kStreetPrefixes =
    "(Rue|Via|Viale|Calle|Avenida|Avenue|Av|Rua|Corso|Piazza|Carrer|Plaza|Paseo|Camino|Strada|Ulica|ul|Trg|"
    "Boulevard|Chemin|Rambla|Travessa|Largo|Praça|Praca|Zona|Vicolo|Contrada|Rua|Estrada|Allee|"
    "Avinguda|Calea|Aleja|Namesti|Náměstí|Utca|Bulevar|Ulitsa|Prospekt|Piata|Strasse)";
constexpr const char* kStreetSuffixWords =
    "(straße|strasse|str|weg|gasse|platz|allee|ring|damm|ufer|vej|gade|vägen|gatan|väg|gata|veien|vei|veg|gate|"
    "tie|katu|kuja|polku|straat|laan|plein|gracht|dreef|steeg|kade|utca|út|tér|ulica|cesta|vegur|stræti|"
    "stradă|caddesi|sokak|sokağı)";

std::string all_letters() {
  std::string s = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (int c = 0x80; c <= 0xFF; ++c) s.push_back(static_cast<char>(c));  // UTF-8 letters of any script
  return s;
}
}  // namespace

std::vector<RecognizerSpec> address_recognizers() {
  std::vector<RecognizerSpec> out;
  // Words are unbounded repeats. Bounding them to 24 bytes (they run in
  // windows of 48 bytes around digits anyway) made start-of-match tracking
  // 5-20 times cheaper, but Vectorscan 5.4.9 then missed matches, and not
  // always the same ones: "2012 Nathan Ridge" in a 16 KiB piece of a
  // copyright file was reported in some scans of the same bytes and not in
  // others (hs_scan alone, one scratch; the unbounded form: every time). See
  // bench/README.md, "Issue 13, third stage".
  const std::string word = R"([A-Z][A-Za-z'-]*\.?)";  // a capitalised word ("St.", "O'Neil")
  const std::string any_word = R"re([^\s\d,;:!?()"<>]+)re";  // any script
  const std::vector<std::string> context = {"address", "live", "lives", "living", "street", "moved", "ship",
                                            "shipping", "deliver", "delivery", "mail", "send", "located",
                                            "office", "billing", "zip", "postal", "postcode"};
  // Street patterns score 0.9, above the dictionary NER (at most 0.85), so a
  // street named after a person ("17 Harold Avenue") stays one ADDRESS.
  std::vector<PatternSpec> ps;
  // 1. "(4 )220 St. Mary Street (3)", "12 Orchard Road"
  ps.push_back(pat(std::string(R"((\d{1,5} )?\d{1,5}[A-Za-z]?( )") + word + "){1,3} " + kStreetTypes +
                       R"(\.?( \d{1,5})?)",
                   0.9));
  // 2. "Rue des Lilas 7", "Via Garibaldi 15", "ul. Polna 3", "Avenue de la Gare 21"
  ps.push_back(pat(std::string(R"((\d{1,5} )?)") + kStreetPrefixes + R"(\.?( )" + any_word +
                       R"(){1,4} \d{1,5}[A-Za-z]?)",
                   0.9, true));
  // 2b. "3 Camino Real 40", "6 Store Kongensgade 2": number, capitalised street name, number
  ps.push_back(pat(R"re(\d{1,5} [A-Z\x80-\xff][^\s\d,;:!?()"<>]+( [A-Za-z\x80-\xff][^\s\d,;:!?()"<>]+){0,3} \d{1,5}[A-Za-z]?)re",
                   0.9));
  // 3. "Rosenvej 12", "Kerkstraat 4", "koulutie 9", "Kossuth tér 1"
  auto compound = pat(std::string(kStreetSuffixWords) + R"(\.? \d{1,5}[A-Za-z]?)", 0.9, true, Boundary::None);
  compound.extend_left = all_letters();
  ps.push_back(compound);
  // 4. "Apt. 5B", "Suite 210", "Unit 4410 Box 12", "P.O. Box 77", "PSC 1234, Box 567"
  ps.push_back(pat(R"((Apt|Apartment|Suite|Ste|Unit|Flat|Room|Floor|Fl|Box|P\.? ?O\.? Box|PSC|CMR)\.? ?#?\d{1,6}[A-Za-z]?)"
                   R"((,? Box \d{1,6})?)",
                   0.6, true));
  // 5. Military: "APO AE 09012", "USNS Example\nFPO AP 96601"
  ps.push_back(pat(R"((APO|FPO|DPO) (AA|AE|AP) \d{5})", 0.7, true));
  // 6. "Springfield, IL 62704"
  ps.push_back(pat(R"([A-Z][a-z]+( [A-Z][a-z]+)?, [A-Z]{2} \d{5}(-\d{4})?)", 0.6));
  // Every pattern contains digits and addresses are short: run them around
  // digits only (a street line longer than the 48-byte window is missed).
  for (auto& p : ps) p.digit_anchored = true;
  auto r = rec("street_address", "ADDRESS", ps, "address", context);
  out.push_back(std::move(r));
  // 7. ZIP / postal codes: only with address context.
  out.push_back(rec("zip_code", "ADDRESS", {pat(R"(\d{5}(-\d{4})?)", 0.05)}, "", {"address"}));
  out.back().patterns[0].digit_anchored = true;
  // Named as one ("my zip code is 35649", "Postcode: 75008"): an address part
  // at 0.6, above the default threshold.
  out.push_back(rec("zip_code_named", "ADDRESS", {pat(R"(\d{5,6}(-\d{4})?)", 0.05)}, "",
                    {"zip", "zipcode", "postal", "postcode", "post code", "plz"}));
  out.back().patterns[0].digit_anchored = true;
  out.back().min_context_score = 0.6;
  return out;
}

}  // namespace vault::pii
