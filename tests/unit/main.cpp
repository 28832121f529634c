#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "common/log.hpp"

namespace {

// How many test cases passed the filters in the last run.
unsigned g_selected = 0;

struct SelectionCounter : doctest::IReporter {
  explicit SelectionCounter(const doctest::ContextOptions& /*options*/) {}
  void report_query(const doctest::QueryData& /*data*/) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_selected = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData& /*data*/) override {}
  void test_case_reenter(const doctest::TestCaseData& /*data*/) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
  void test_case_exception(const doctest::TestCaseException& /*e*/) override {}
  void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& /*data*/) override {}
  void log_message(const doctest::MessageData& /*data*/) override {}
  void test_case_skipped(const doctest::TestCaseData& /*data*/) override {}
};
DOCTEST_REGISTER_LISTENER("selection-counter", 1, SelectionCounter);

bool filters_by_name(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--test-case=") || arg.starts_with("-tc=")) return true;
  }
  return false;
}

}  // namespace

// Components log state changes at info; in tests that is noise unless asked for with
// LLMON_TEST_LOG=debug (or any level name).
int main(int argc, char** argv) {
  const char* level = std::getenv("LLMON_TEST_LOG");
  llmon::set_log_level(level ? llmon::parse_log_level(level).value() : spdlog::level::off);
  doctest::Context context(argc, argv);
  const int status = context.run();
  // ctest runs each test case by name (doctest_discover_tests); a name that matches nothing,
  // such as one cut in two at a ';' by the discovery, would otherwise pass without running.
  if (status == 0 && !context.shouldExit() && filters_by_name(argc, argv) && g_selected == 0) {
    std::cerr << "no test case matches the --test-case filter (a ';' in a test case name splits "
                 "it into ctest tests that match nothing)\n";
    return 1;
  }
  return status;
}
