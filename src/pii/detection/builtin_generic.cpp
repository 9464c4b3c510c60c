// Built-in recognizers of Presidio's generic entities.
#include "builtin_util.hpp"
#include "vault/pii/detection/catalogue.hpp"

namespace vault::pii {

using namespace builtin;

namespace {
constexpr const char* kMonths =
    "(January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)";
constexpr const char* kTlds =
    "(com|org|net|edu|gov|mil|int|info|biz|io|co|ai|app|dev|me|tv|ly|site|online|store|shop|tech|xyz|club|"
    "blog|cloud|news|live|email|webcam|vlaanderen|museum|travel|agency|digital|media|global|world|"
    "us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|cz|pt|ru|cn|jp|kr|in|au|nz|ca|br|mx|ar|za|il|ie|gr|hu|"
    "ro|tr|ua|sk|si|hr|rs|bg|lt|lv|ee|is|lu|tn|uy|cl|pe|ve|sg|hk|tw|my|th|vn|id|ph|pk|eg|ng|ke|ma|ae|sa|ir|eu)";
}  // namespace

std::vector<RecognizerSpec> generic_recognizers() {
  std::vector<RecognizerSpec> out;
  const std::string months = kMonths;

  {
    // 12-19 digits in any grouping (4-4-4-4, Amex 4-6-5, 19-digit Visa ...),
    // single spaces or dashes between them; the validator checks the issuer
    // range, the length for that range and the Luhn digit (card_ranges.cpp).
    auto r = rec("credit_card", "CREDIT_CARD", {pat(R"(\d([ -]?\d){11,18})", 0.3)}, "credit_card",
                 {"credit", "card", "visa", "mastercard", "cc", "amex", "discover", "jcb", "diners", "maestro",
                  "payment", "debit", "unionpay", "mir"});
    r.longest_valid = true;  // "born 1984 4111 1111 1111 1111": the card after a rejected longer run
    out.push_back(std::move(r));
  }

  out.push_back(rec("crypto", "CRYPTO",
                    {pat(R"([13][1-9A-HJ-NP-Za-km-z]{25,34})", 0.5),
                     pat(R"((bc1|BC1|tb1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})", 0.5)},
                    "crypto", {"wallet", "btc", "bitcoin", "crypto", "address"}));

  {
    auto r = rec("date_time", "DATE_TIME",
                 {pat(R"(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?)", 0.6),
                  pat(R"(\d{1,2}[./-]\d{1,2}[./-](\d{4}|\d{2}))", 0.6),
                  pat(R"(\d{1,2}/(\d{4}|\d{2}))", 0.3),
                  pat(months + R"(\.?[- ]\d{1,2}(st|nd|rd|th)?(,? \d{4})?)", 0.6, true),
                  pat(R"(\d{1,2}(st|nd|rd|th)?[- ](of )?)" + months + R"(\.?(,? \d{4})?)", 0.6, true),
                  pat(months + R"(,? \d{4})", 0.6, true),
                  pat(months + R"(-\d{2,4})", 0.6, true),
                  pat(R"((Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))", 0.5),
                  pat(R"(\d{1,2}(:\d{2}){1,2} ?([AaPp]\.?[Mm]\.?))", 0.5, false, Boundary::Word, Boundary::None)},
                 "date", {"date", "birthday", "dob", "born", "time", "day", "year"});
    out.push_back(std::move(r));
  }

  {
    auto r = rec("email", "EMAIL_ADDRESS",
                 {pat(R"(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})", 0.5, false, Boundary::Word,
                      Boundary::Word)},
                 "email", {"email", "mail", "e-mail", "contact"});
    r.patterns[0].extend_left = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-";
    out.push_back(std::move(r));
  }

  {
    auto r = rec("iban", "IBAN_CODE", {pat(R"([A-Z]{2}\d{2}([ -]?[A-Z0-9]){11,30})", 0.5, true)}, "iban",
                 {"iban", "bank", "account", "transaction", "sepa"});
    r.longest_valid = true;
    out.push_back(std::move(r));
  }

  {
    auto v4 = pat(R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(/\d{1,3})?)", 0.6);
    v4.forbid_before = ".";
    auto r = rec("ipv4", "IP_ADDRESS", {v4}, "ipv4", {"ip", "ipv4", "address", "server", "host"});
    r.longest_valid = true;
    out.push_back(std::move(r));
    auto v6 = pat(R"([0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{1,50}(%[0-9A-Za-z]{1,15})?(/\d{1,4})?)", 0.6, false,
                  Boundary::Alnum, Boundary::Dotted);
    v6.forbid_before = ":.";
    auto r6 = rec("ipv6", "IP_ADDRESS", {v6}, "ipv6", {"ip", "ipv6", "address", "server", "host"});
    r6.longest_valid = true;
    out.push_back(std::move(r6));
  }

  {
    std::vector<PatternSpec> ps{pat(R"([0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5})", 0.5, false, Boundary::Alnum, Boundary::Alnum),
                                pat(R"([0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5})", 0.5, false, Boundary::Alnum, Boundary::Alnum),
                                pat(R"([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})", 0.5, false, Boundary::Alnum,
                                    Boundary::Alnum)};
    for (auto& p : ps) p.forbid_before = p.forbid_after = ":-.";
    out.push_back(rec("mac", "MAC_ADDRESS", ps, "mac", {"mac", "hardware", "ethernet", "wifi", "device"}));
  }

  {
    std::vector<PatternSpec> ps{
        pat(R"(\+\d{1,3}[ .-]?(\(\d{1,4}\)[ .-]?)?\d{1,5}([ .-]?\d{1,5}){1,5}(( ?x| ?ext\.? ?)\d{1,6})?)", 0.5,
            false, Boundary::Word, Boundary::Word),
        pat(R"(\(\d{2,4}\) ?\d{3,5}[ .-]?\d{3,4}(x\d{1,6})?)", 0.5),
        pat(R"((001-)?\d{2,4}[.-]\d{3,4}[.-]\d{3,4}(x\d{1,6})?)", 0.5),
        pat(R"(\d{2,3}-\d{6,8})", 0.4),
        pat(R"(\d{2}(-\d{2}){3})", 0.3),
        // a trunk prefix and an area code in parentheses, then groups ("8 (495) 123-45-67", "(030) 1234 567")
        pat(R"((8 ?)?\(\d{2,5}\) ?\d{2,5}([ .-]\d{2,4}){1,3})", 0.4),
        // an area code and a number joined by a slash ("030/12345678"), with context only
        pat(R"(\d{2,5}/\d{4,8})", 0.15),
        pat(R"(\d{2}[ .]\d{2}[ .]\d{2})", 0.15),  // 6-digit national numbers in pairs (Greenland, Faroe Islands)
        // first group up to 6 digits: UK area codes with their trunk 0 ("01632 960123"), Indian mobile
        // numbers with theirs ("098765 43210"); groups up to 8 ("030 12345678")
        pat(R"(\d{2,6}([ .-]\d{2,8}){1,4})", 0.15),
    };
    // the loose digit-group pattern must not start inside a longer number ("is415-555-0132")
    ps.back().forbid_before = "-./";
    // the pairs must not be part of a longer dotted or dashed number either
    ps[ps.size() - 2].forbid_before = ps[ps.size() - 2].forbid_after = "-./:";
    // nor the slash pair of a date or a path ("2020/12/31", "/usr/1234/5678")
    ps[ps.size() - 3].forbid_before = "/-.:";
    ps[ps.size() - 3].forbid_after = "/-:";
    out.push_back(rec("phone", "PHONE_NUMBER", ps, "phone",
                      {"phone", "telephone", "tel", "mobile", "cell", "cellphone", "call", "fax", "number", "contact", "reach",
                       "answering", "office", "dial", "ring", "whatsapp", "sms", "text me"}));
  }

  {
    auto scheme = pat(R"(https?://[A-Za-z0-9.-]+(:\d{1,5})?)", 0.6, true);
    // Anchored at ".tld"; the labels before it are taken by extend_left.
    auto bare = pat(std::string(R"(\.)") + kTlds + R"((:\d{1,5})?)", 0.5, true, Boundary::None);
    bare.extend_left = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";
    bare.forbid_before = "@.";
    auto dq = pat(R"("https?://[^\s"]+")", 0.6, true, Boundary::None, Boundary::None);
    auto sq = pat(R"('https?://[^\s']+')", 0.6, true, Boundary::None, Boundary::None);
    auto r = rec("url", "URL", {scheme, bare, dq, sq}, "url", {"url", "website", "link", "site", "domain"});
    r.refine = RecognizerSpec::Refine::UrlTail;
    out.push_back(std::move(r));
  }
  for (auto& r : out) {
    if (r.name == "credit_card" || r.name == "iban" || r.name == "ipv4" || r.name == "phone")
      for (auto& p : r.patterns) p.digit_anchored = true;
    if (r.name == "crypto") r.patterns[0].digit_anchored = true;  // base58 addresses start with 1 or 3
    if (r.name == "date_time")
      for (std::size_t i = 0; i < r.patterns.size(); ++i) r.patterns[i].digit_anchored = i != 7;  // not weekdays
  }
  return out;
}

}  // namespace vault::pii
