#pragma once
// Shared helpers for the libFuzzer targets: invariant checks that crash (so libFuzzer keeps the
// input) and quiet logging. Each target defines LLVMFuzzerTestOneInput and nothing else.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/result.hpp"

namespace llmon::fuzz {

// An invariant of the parser under test; a violation aborts with the message.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// Error messages go to logs and terminals: they must say something, and stay bounded however
// large the input (a parser that quotes its whole input would make a 1 MiB log line).
inline void check_error(const Error& error, std::size_t max_bytes = 4096) {
  check(!error.message.empty(), "an error has a message");
  check(error.message.size() <= max_bytes, "an error message is bounded");
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Parsers may log; a fuzzer printing every rejected input would spend its time writing.
inline void quiet_logs() {
  static const bool done = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)done;
}

}  // namespace llmon::fuzz
