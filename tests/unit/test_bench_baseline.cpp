// Baselines kept across restarts, and the histograms.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "collectors/bench/baseline.hpp"
#include "collectors/bench/histogram.hpp"

using namespace llmon;
using namespace llmon::bench;

namespace {

// A fresh directory under /tmp, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "llmon-bench-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

bool has_line(const std::filesystem::path& file, const std::string& line) {
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);) {
    if (l == line || l == line + ",") return true;
  }
  return false;
}

}  // namespace

TEST_CASE("bench baseline: median and spread helpers") {
  CHECK(median({3, 1, 2}) == 2.0);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(median({7}) == 7.0);
  CHECK(std::isnan(median({})));
  CHECK(spread({1, 2, 3, 4, 100}) == 1.0);  // median 3, deviations 2 1 0 1 97
  CHECK(spread({5, 5, 5}) == 0.0);
  CHECK(std::isnan(spread({})));
}

TEST_CASE("bench baseline: rolling window, keys, eviction") {
  TempDir dir;
  BaselineStore store(dir.path / "b.json", 3, 2);
  const BaselineKey a{"local", "qwen3:8b", "binary_search"};
  const BaselineKey b{"local", "qwen3:8b", "bug_fix"};
  const BaselineKey c{"remote", "qwen3:8b", "binary_search"};
  CHECK_FALSE(store.median(a));
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0}) store.record(a, v);
  CHECK(store.values(a) == std::vector<double>{3, 4, 5});
  CHECK(*store.median(a) == 4.0);
  store.record(a, std::nan(""));
  store.record(a, -1);
  CHECK(store.values(a).size() == 3);
  store.record(b, 10);
  store.record(b, 20);
  CHECK(*store.median(b) == 15.0);
  store.record(a, 6);  // a is now the most recently recorded: c evicts b
  store.record(c, 1);
  CHECK(store.size() == 2);
  CHECK_FALSE(store.median(b));
  CHECK(*store.median(a) == 5.0);
}

TEST_CASE("bench baseline: save and load round trip, atomically") {
  TempDir dir;
  std::filesystem::create_directories(dir.path / "state");
  const auto file = dir.path / "state" / "baselines.json";
  const BaselineKey a{"local", "m\x1f:q", "p|x"};
  const BaselineKey b{"other", "m", "p"};
  {
    BaselineStore store(file, 5);
    CHECK_FALSE(store.load());  // missing file: no warning
    CHECK_FALSE(store.dirty());
    store.record(a, 12.345678901234567);
    store.record(a, 1e-3);
    store.record(b, 48.5);
    CHECK(store.dirty());
    auto saved = store.save();
    REQUIRE_MESSAGE(saved.ok(), (saved.ok() ? "" : saved.error().message));
    CHECK_FALSE(store.dirty());
    store.record(b, 50);
    CHECK(store.dirty());
    REQUIRE(store.save().ok());
  }
  // Numbers as people write them, one entry per line.
  CHECK(has_line(file, R"({"ollama":"other","model":"m","prompt":"p","values":[48.5,50]})"));
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(file.parent_path())) {
    names.push_back(e.path().filename().string());
  }
  CHECK(names == std::vector<std::string>{"baselines.json"});
  BaselineStore loaded(file, 5);
  CHECK_FALSE(loaded.load());
  CHECK_FALSE(loaded.dirty());  // what the file holds needs no saving
  CHECK(loaded.values(a) == std::vector<double>{12.3456789012, 1e-3});  // 12 digits are kept
  CHECK(loaded.values(b) == std::vector<double>{48.5, 50});
  BaselineStore narrow(file, 1);
  CHECK_FALSE(narrow.load());
  CHECK(narrow.values(b) == std::vector<double>{50});
}

TEST_CASE("bench baseline: values survive any number of restarts unchanged") {
  // Found by fuzzing: Boost.JSON read this 17-digit value back one unit in the last place off,
  // so each save and load moved the baseline.
  TempDir dir;
  const BaselineKey key{"default", "m", "p"};
  BaselineStore first(dir.path / "b.json", 10);
  first.record(key, 4.1844674407370955e21);
  first.record(key, 41.123456789012345);
  REQUIRE(first.save().ok());
  const std::string text = first.render();
  for (int restart = 0; restart < 3; ++restart) {
    BaselineStore next(dir.path / "b.json", 10);
    REQUIRE_FALSE(next.load().has_value());
    CHECK(next.values(key) == first.values(key));
    CHECK(next.render() == text);
    REQUIRE(next.save().ok());
  }
  CHECK(first.values(key) == std::vector<double>{4.18446744074e21, 41.123456789});
}

TEST_CASE("bench baseline: load_text and render are the file's two halves") {
  BaselineStore store("/nonexistent/b.json", 10);
  CHECK_FALSE(store
                  .load_text(R"({"version":1,"baselines":[{"ollama":"o","model":"m","prompt":"p",)"
                             R"("values":[1.5,2]}]})")
                  .has_value());
  CHECK(store.render() ==
        "{\"version\":1,\"baselines\":[\n"
        "{\"ollama\":\"o\",\"model\":\"m\",\"prompt\":\"p\",\"values\":[1.5,2]}\n]}\n");
  CHECK_FALSE(store.dirty());  // what the text holds needs no saving
  store.record({"o", "m", "p"}, 3);
  CHECK(store.dirty());
  CHECK(store.load_text("[]") == std::optional<std::string>("expected a JSON object"));
  CHECK(store.size() == 0);
  CHECK_FALSE(store.dirty());
}

TEST_CASE("bench baseline: corrupt or wrongly shaped file warns and starts empty") {
  TempDir dir;
  const auto file = dir.path / "b.json";
  for (const char* content :
       {"{\"version\":1,\"baselines\":[{\"ollama\":", "[]", "{\"version\":2,\"baselines\":[]}",
        R"({"version":1,"baselines":[{"ollama":"o","model":"m","prompt":"p","values":["x"]}]})",
        R"({"version":1,"baselines":[{"ollama":"o","model":"m","values":[1]}]})"}) {
    CAPTURE(content);
    std::ofstream(file) << content;
    BaselineStore store(file, 3);
    store.record({"o", "m", "p"}, 1);
    const auto warning = store.load();
    REQUIRE(warning);
    CHECK(warning->find(file.string()) != std::string::npos);
    CHECK(store.size() == 0);
  }
  // A directory where the file should be: unreadable, and save() reports it.
  std::filesystem::create_directory(dir.path / "d");
  BaselineStore store(dir.path / "d", 3);
  CHECK(store.load());
  CHECK_FALSE(store.save().ok());
  CHECK(std::filesystem::directory_iterator(dir.path / "d") ==
        std::filesystem::directory_iterator());
}

TEST_CASE("bench baseline: a missing state directory is an error that says so, never created") {
  TempDir dir;
  const auto state = dir.path / "state";
  BaselineStore store(state / "bench_baseline.json", 3);
  CHECK_FALSE(store.load());  // nothing to read yet: a first start
  store.record({"o", "m", "p"}, 42);
  const auto saved = store.save();
  REQUIRE_FALSE(saved.ok());
  CHECK(saved.error().message == state.string() + ": the state directory does not exist");
  CHECK_FALSE(std::filesystem::exists(state));  // the deployment creates it, with its owner
  CHECK(store.dirty());                         // still unsaved: the next cycle tries again
  std::filesystem::create_directory(state);
  CHECK(store.save().ok());
  CHECK_FALSE(store.dirty());
}

TEST_CASE("bench histogram: cumulative buckets") {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 5.0, 7.0, std::nan("")}) h.observe(v);
  CHECK(h.cumulative_counts() == std::vector<std::uint64_t>{2, 3, 4});
  CHECK(h.count() == 5);
  CHECK(h.sum() == 15.0);
  CHECK_THROWS_AS(Histogram({2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(Histogram({1, 1}), std::invalid_argument);
  for (const auto* b : {&ttft_buckets(), &tps_buckets()}) {
    CHECK(std::is_sorted(b->begin(), b->end()));
    CHECK_NOTHROW(Histogram{*b});
  }
  CHECK(ttft_buckets().front() == 0.05);
  CHECK(ttft_buckets().back() == 60.0);
  CHECK(tps_buckets().front() == 1.0);
  CHECK(tps_buckets().back() == 200.0);
}
