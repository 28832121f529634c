#include "collectors/bench/suite.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

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

// What std::regex must not be given: a back-reference, or a {n} or {n,m} count above
// kMaxExpectRepeat. libstdc++ reads both numbers into a long without an overflow check
// (undefined behaviour past 19 digits) before it could reject the back-reference, and large
// counts multiply the automaton's states.
std::optional<std::string> unsupported_construct(std::string_view p) {
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] >= '1' && p[i + 1] <= '9') {
        return "back-references are not supported";
      }
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '{') {
      // "{n}" or "{n,m}": each count in turn.
      for (std::size_t j = i + 1;; ++j) {
        const std::size_t start = j;
        long value = 0;  // saturates: only "above the limit" matters
        for (; j < p.size() && p[j] >= '0' && p[j] <= '9'; ++j) {
          value = std::min(value * 10 + (p[j] - '0'), 1L << 20);
        }
        if (value > kMaxExpectRepeat) {
          return "repeat count " +
                 std::string(p.substr(start, std::min<std::size_t>(j - start, 24))) + " above " +
                 std::to_string(kMaxExpectRepeat);
        }
        if (j >= p.size() || p[j] != ',') break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<BenchPrompt>& builtin_suite() {
  static const std::vector<BenchPrompt> suite = make_suite();
  return suite;
}

Expected<std::regex> compile_expect(const std::string& pattern) {
  if (pattern.size() > kMaxExpectBytes) {
    return make_error("invalid expect regex: " + std::to_string(pattern.size()) +
                      " bytes, the limit is " + std::to_string(kMaxExpectBytes));
  }
  if (const auto what = unsupported_construct(pattern)) {
    return make_error("invalid expect regex \"" + pattern + "\": " + *what);
  }
  try {
    // __polynomial (a libstdc++ extension, documented in <regex>) runs the breadth-first
    // matcher: its stack depth depends on the pattern, not on the answer's length, and it never
    // backtracks exponentially. The default depth-first one recursed once per character a
    // repetition consumed, which overflowed an 8 MiB stack on a long degenerate answer.
    return std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error& e) {
    return make_error("invalid expect regex \"" + pattern + "\": " + e.what());
  }
}

}  // namespace llmon::bench
