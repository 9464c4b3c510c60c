// The vault CLI: placeholder until src/cli lands.
#include "vault/core/error.hpp"
#include <iostream>
#include <string>
int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "error-codes") {
    std::cout << vault::render_error_code_docs();
    return 0;
  }
  return 0;
}
