#include "collectors/bench/suite.hpp"

namespace llmon::bench {

namespace {

BenchPrompt make(std::string name, std::string prompt, std::string expect,
                 std::int64_t num_predict = 256, std::string api = "generate") {
  BenchPrompt p;
  p.name = std::move(name);
  p.prompt = std::move(prompt);
  p.expect = std::move(expect);
  p.num_predict = num_predict;
  p.api = std::move(api);
  return p;
}

std::vector<BenchPrompt> make_suite() {
  std::vector<BenchPrompt> suite;
  suite.push_back(
      make("binary_search",
           "Write a Python function to implement binary search with type hints and docstring",
           R"(def\s+binary_search)"));
  suite.push_back(make("simple_function",
                       "Write a Python function that checks whether a string is a palindrome, "
                       "ignoring case and non-alphanumeric characters.",
                       R"(def\s+\w+)"));
  suite.push_back(make("complex_algorithm",
                       "Implement Dijkstra's shortest path algorithm in Python using a priority "
                       "queue. The graph is a dict mapping each node to a list of (neighbor, "
                       "weight) pairs; return the distance to every node from the source.",
                       R"(heapq|heappush|heappop|[Pp]riority)"));
  // Models either fix the range bound or switch to the closed form; both contain "n + 1".
  suite.push_back(make("bug_fix",
                       "This Python function should return the sum of the integers from 1 to n "
                       "inclusive, but it returns the wrong result. Find the bug and give the "
                       "corrected code.\n\n"
                       "def sum_to(n):\n"
                       "    total = 0\n"
                       "    for i in range(1, n):\n"
                       "        total += i\n"
                       "    return total\n",
                       R"(n\s*\+\s*1|range\s*\(|<=\s*n)"));
  // The last two go through /api/chat so both endpoints (and both stream shapes) are exercised.
  suite.push_back(make("refactoring",
                       "Refactor this Python function to be clean and idiomatic, keeping its "
                       "behaviour:\n\n"
                       "def f(l):\n"
                       "    r = []\n"
                       "    for i in range(len(l)):\n"
                       "        if l[i] % 2 == 0:\n"
                       "            if l[i] > 0:\n"
                       "                r.append(l[i] * l[i])\n"
                       "    return r\n",
                       R"(def\s+\w+)", 256, "chat"));
  suite.push_back(make("documentation",
                       "Write a docstring for this Python function:\n\n"
                       "def merge_intervals(intervals):\n"
                       "    intervals.sort(key=lambda x: x[0])\n"
                       "    merged = []\n"
                       "    for start, end in intervals:\n"
                       "        if merged and start <= merged[-1][1]:\n"
                       "            merged[-1][1] = max(merged[-1][1], end)\n"
                       "        else:\n"
                       "            merged.append([start, end])\n"
                       "    return merged\n",
                       R"("""|'''|Args|Returns|:param)", 192, "chat"));
  return suite;
}

}  // namespace

const std::vector<BenchPrompt>& builtin_suite() {
  static const std::vector<BenchPrompt> suite = make_suite();
  return suite;
}

Expected<std::regex> compile_expect(const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return make_error("invalid expect regex \"" + pattern + "\": " + e.what());
  }
}

}  // namespace llmon::bench
