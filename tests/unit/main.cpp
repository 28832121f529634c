#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "common/log.hpp"

// Components log state changes at info; in tests that is noise unless asked for with
// LLMON_TEST_LOG=debug (or any level name).
int main(int argc, char** argv) {
  const char* level = std::getenv("LLMON_TEST_LOG");
  llmon::set_log_level(level ? llmon::parse_log_level(level).value() : spdlog::level::off);
  doctest::Context context(argc, argv);
  return context.run();
}
