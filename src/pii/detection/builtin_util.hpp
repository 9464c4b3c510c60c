#pragma once
// Helpers to write the built-in recognizer tables compactly (internal).
#include "vault/pii/detection/recognizer.hpp"

#include <string>
#include <utility>
#include <vector>

namespace vault::pii::builtin {

inline PatternSpec pat(std::string regex, double score, bool caseless = false, Boundary left = Boundary::Word,
                       Boundary right = Boundary::Word) {
  PatternSpec p;
  p.regex = std::move(regex);
  p.score = score;
  p.caseless = caseless;
  p.left = left;
  p.right = right;
  return p;
}

inline RecognizerSpec rec(std::string name, std::string entity, std::vector<PatternSpec> patterns,
                          std::string validator = {}, std::vector<std::string> context = {}) {
  RecognizerSpec r;
  r.name = std::move(name);
  r.entity = std::move(entity);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    if (patterns[i].name.empty()) patterns[i].name = r.name + "#" + std::to_string(i);
  r.patterns = std::move(patterns);
  r.validator = std::move(validator);
  r.context = std::move(context);
  return r;
}

}  // namespace vault::pii::builtin
