#pragma once
// One default Scanner per test binary (compiling the database takes a while).
#include "vault/pii/detection/scanner.hpp"

namespace vault::pii::testing {

inline const Scanner& default_scanner() {
  static const Scanner s(Catalogue::defaults());
  return s;
}

}  // namespace vault::pii::testing
