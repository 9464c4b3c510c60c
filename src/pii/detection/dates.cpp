// Calendar checks.
#include "vault/pii/detection/validators.hpp"

namespace vault::pii {

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool date_exists(int y, int m, int d) {
  static constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = days[m - 1] + (m == 2 && is_leap_year(y) ? 1 : 0);
  return d <= max;
}

}  // namespace vault::pii
