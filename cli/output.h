// Output and input helpers shared by the client subcommands: one JSON document per line on
// stdout for --json, and standard input read whole for `-` arguments. Included only by
// command .cc files (it brings in nlohmann).
#pragma once

#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

namespace strata::cli {

// Prints `j` compactly on one line; bytes that are not UTF-8 are shown as U+FFFD.
inline void printJson(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// All of standard input, byte for byte.
inline std::string readStdin() {
  std::cin >> std::noskipws;
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

}  // namespace strata::cli
