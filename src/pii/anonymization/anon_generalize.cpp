// The generalize operator: dates, ages, postcodes, IP networks.
#include "anon_internal.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace vault::pii::detail {
namespace {

struct Date {
  int year = 0;
  int month = 0;  // 0 = unknown
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int month_from_name(std::string_view lowered) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (lowered.find(kMonths[i]) != std::string_view::npos) return static_cast<int>(i) + 1;
  return 0;
}

// Digit runs and the separator that follows each.
struct Run {
  int value;
  std::size_t len;
  char sep_after;
};

std::vector<Run> digit_runs(std::string_view s) {
  std::vector<Run> runs;
  for (std::size_t i = 0; i < s.size();) {
    if (!is_digit(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && is_digit(s[j])) {
      if (j - i < 9) v = v * 10 + (s[j] - '0');
      ++j;
    }
    runs.push_back({v, j - i, j < s.size() ? s[j] : '\0'});
    i = j;
  }
  return runs;
}

std::optional<Date> parse_date(std::string_view value) {
  auto runs = digit_runs(value);
  const std::string low = lower(value);
  const int named_month = month_from_name(low);
  // yyyy-mm-dd / yyyy/mm/dd (optionally followed by a time)
  if (runs.size() >= 2 && runs[0].len == 4 && runs[1].len <= 2 &&
      (runs[0].sep_after == '-' || runs[0].sep_after == '/' || runs[0].sep_after == '.')) {
    int m = runs[1].value;
    return Date{runs[0].value, m >= 1 && m <= 12 ? m : 0};
  }
  // Find the year: a 4-digit run, or the 2-digit last of d/m/yy.
  int year = 0;
  std::size_t year_idx = runs.size();
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (runs[i].len == 4 && runs[i].value >= 1000 && runs[i].value <= 2999) {
      year = runs[i].value;
      year_idx = i;
      break;
    }
  if (year == 0 && runs.size() == 3 && runs[2].len == 2 && !named_month &&
      (runs[0].sep_after == '/' || runs[0].sep_after == '.' || runs[0].sep_after == '-')) {
    year = runs[2].value <= 49 ? 2000 + runs[2].value : 1900 + runs[2].value;
    year_idx = 2;
  }
  if (year == 0) return std::nullopt;
  if (named_month) return Date{year, named_month};
  // d/m/y, m/d/y, d.m.y, m/y
  if (year_idx == 2) {
    int a = runs[0].value, b = runs[1].value;
    char sep = runs[0].sep_after;
    int m = 0;
    if (a > 12 && b <= 12) m = b;
    else if (b > 12 && a <= 12) m = a;
    else if (a <= 12 && b <= 12) m = sep == '/' ? a : b;  // '/' read as US month/day; '.' '-' as day.month
    return Date{year, m};
  }
  if (year_idx == 1 && runs[0].len <= 2 && runs[0].value >= 1 && runs[0].value <= 12)
    return Date{year, runs[0].value};
  return Date{year, 0};
}

std::optional<int> parse_age(std::string_view value) {
  std::string digits;
  for (char c : value) {
    if (is_digit(c)) digits.push_back(c);
    else if (c != ' ') return std::nullopt;
  }
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int n = std::stoi(digits);
  if (n > 150) return std::nullopt;
  return n;
}

std::string strip_zone(std::string_view ip) {
  auto pct = ip.find('%');
  std::string s(ip.substr(0, pct));
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<std::string> network_of(std::string_view value, unsigned v4_prefix, unsigned v6_prefix) {
  std::string ip = strip_zone(value);
  unsigned char buf[16] = {};
  int family = 0;
  unsigned prefix = 0;
  std::size_t bytes = 0;
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    family = AF_INET;
    prefix = v4_prefix;
    bytes = 4;
  } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    family = AF_INET6;
    prefix = v6_prefix;
    bytes = 16;
  } else {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < bytes; ++i) {
    unsigned bit_start = static_cast<unsigned>(i) * 8;
    if (bit_start >= prefix) buf[i] = 0;
    else if (bit_start + 8 > prefix) buf[i] &= static_cast<unsigned char>(0xFF << (8 - (prefix - bit_start)));
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, buf, text, sizeof text)) return std::nullopt;
  return std::string(text) + "/" + std::to_string(prefix);
}

GeneralizeTo resolve_auto(std::string_view entity, std::string_view value) {
  if (entity == "DATE_TIME" || entity == "DATE" || entity == "DATE_OF_BIRTH") return GeneralizeTo::Year;
  if (entity == "IP_ADDRESS") return GeneralizeTo::Network;
  if (entity == "AGE") return GeneralizeTo::AgeBand;
  if (entity.find("POSTCODE") != std::string_view::npos || entity.find("ZIP") != std::string_view::npos ||
      entity.find("POSTAL") != std::string_view::npos || entity == "DE_PLZ")
    return GeneralizeTo::Prefix;
  if (network_of(value, 24, 48)) return GeneralizeTo::Network;
  if (parse_age(value)) return GeneralizeTo::AgeBand;
  if (parse_date(value)) return GeneralizeTo::Year;
  return GeneralizeTo::Prefix;
}

}  // namespace

Result<std::string> generalize_value(std::string_view entity, std::string_view value, const OperatorSpec& spec) {
  GeneralizeTo to = spec.generalize_to;
  if (to == GeneralizeTo::Auto) to = resolve_auto(entity, value);
  switch (to) {
    case GeneralizeTo::Year:
    case GeneralizeTo::YearMonth: {
      auto d = parse_date(value);
      if (!d) return fail(ErrorKind::Validation, "generalize: value is not a date with a year");
      char buf[16];
      if (to == GeneralizeTo::YearMonth && d->month > 0)
        std::snprintf(buf, sizeof buf, "%04d-%02d", d->year, d->month);
      else
        std::snprintf(buf, sizeof buf, "%04d", d->year);
      return std::string(buf);
    }
    case GeneralizeTo::AgeBand: {
      auto age = parse_age(value);
      if (!age) return fail(ErrorKind::Validation, "generalize: value is not an age");
      int w = static_cast<int>(spec.band_width);
      int lo = *age / w * w;
      return std::to_string(lo) + "-" + std::to_string(lo + w - 1);
    }
    case GeneralizeTo::Network: {
      auto net = network_of(value, spec.ipv4_prefix, spec.ipv6_prefix);
      if (!net) return fail(ErrorKind::Validation, "generalize: value is not an IP address");
      return *net;
    }
    case GeneralizeTo::Prefix:
    case GeneralizeTo::Auto: {
      std::size_t cps = 0, i = 0;
      for (; i < value.size(); ++i) {
        if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) {
          if (cps == spec.prefix_length) break;
          ++cps;
        }
      }
      if (i >= value.size())
        return fail(ErrorKind::Validation, "generalize: value is not longer than the prefix");
      std::string p(value.substr(0, i));
      while (!p.empty() && p.back() == ' ') p.pop_back();
      return p;
    }
  }
  return fail(ErrorKind::Validation, "generalize: unsupported target");
}

}  // namespace vault::pii::detail
