#include "vault/core/clock.hpp"

namespace vault {

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace vault
