#include <doctest/doctest.h>

#include <cmath>
#include <thread>

#include "common/gzip.hpp"
#include "exporters/snapshot_store.hpp"

using namespace llmon;

namespace {

MetricFamilies gauge(const std::string& name, const Labels& labels, double v) {
  FamilySet s;
  s.gauge(name, "help text", labels, v);
  return s.take();
}

}  // namespace

TEST_CASE("store: nothing published yet means no snapshot") {
  SnapshotStore store;
  CHECK(store.current() == nullptr);
}

TEST_CASE("store: families are merged across slots and sorted deterministically") {
  SnapshotStore store;
  store.publish("b", gauge("llmon_z", {{"gpu", "1"}}, 2));
  store.publish("a", gauge("llmon_z", {{"gpu", "0"}}, 1));
  store.publish("c", gauge("llmon_a", {}, 3));
  const auto snap = store.current();
  REQUIRE(snap);
  CHECK(snap->text ==
        "# HELP llmon_a help text\n# TYPE llmon_a gauge\nllmon_a 3\n"
        "# HELP llmon_z help text\n# TYPE llmon_z gauge\nllmon_z{gpu=\"0\"} 1\n"
        "llmon_z{gpu=\"1\"} 2\n");
  auto unzipped = gzip_decompress(snap->gzip, 1 << 20);
  REQUIRE(unzipped.ok());
  CHECK(*unzipped == snap->text);
}

TEST_CASE("store: removing a slot withdraws its series, and empty families vanish") {
  SnapshotStore store;
  store.publish("gpu", gauge("llmon_gpu_busy_ratio", {{"gpu", "0"}}, 0.5));
  FamilySet empty;
  empty.gauge("llmon_gpu_power_watts", "declared but not measured", {}, std::nullopt);
  store.publish("other", empty.take());
  CHECK(store.current()->text.find("llmon_gpu_busy_ratio") != std::string::npos);
  CHECK(store.current()->text.find("llmon_gpu_power_watts") == std::string::npos);
  store.remove("gpu");
  CHECK(store.current()->text.empty());
}

TEST_CASE("store: an update of several slots is seen all at once, generations only grow") {
  SnapshotStore store;
  std::vector<SnapshotStore::Update> updates;
  updates.emplace_back("x", gauge("llmon_x", {}, 1));
  updates.emplace_back("y", gauge("llmon_y", {}, 2));
  store.apply(std::move(updates));
  const auto one = store.current();
  CHECK(one->text.find("llmon_x 1") != std::string::npos);
  CHECK(one->text.find("llmon_y 2") != std::string::npos);
  store.publish("x", gauge("llmon_x", {}, 5));
  CHECK(store.current()->generation > one->generation);
  CHECK(one->text.find("llmon_x 1") != std::string::npos);  // old snapshots stay immutable
}

TEST_CASE("store: special values and label escaping follow the text format") {
  // The quote and the backslash are escaped; the newline FamilySet made a visible "␊".
  SnapshotStore store;
  MetricFamilies f = gauge("llmon_inf", {{"model", "hf.co/org/Repo-GGUF:Q4_K_M \"x\"\\\n"}},
                           std::numeric_limits<double>::infinity());
  store.publish("s", std::move(f));
  CHECK(store.current()->text.find(
            "llmon_inf{model=\"hf.co/org/Repo-GGUF:Q4_K_M \\\"x\\\"\\\\\xE2\x90\x8A\"} +Inf") !=
        std::string::npos);
}

TEST_CASE("store: a label set repeated in a family is exported once, the first") {
  // Two raw values can share a label value: 300-byte names whose hashes collide, or "m\x01" and
  // the literal "m␁". An exposition with both would make Prometheus drop samples.
  FamilySet set;
  set.gauge("llmon_dup", "help text", {{"model", "m\x01"}}, 1);
  set.gauge("llmon_dup", "help text", {{"model", "m\xE2\x90\x81"}}, 2);
  set.gauge("llmon_dup", "help text", {{"model", "n"}}, 3);
  SnapshotStore store;
  store.publish("a", set.take());
  store.publish("b", gauge("llmon_dup", {{"model", "n"}}, 4));
  const std::string text = store.current()->text;
  CHECK(text.find("llmon_dup{model=\"m\xE2\x90\x81\"} 1\n") != std::string::npos);
  CHECK(text.find("} 2\n") == std::string::npos);
  CHECK(text.find("llmon_dup{model=\"n\"} 3\n") != std::string::npos);
  CHECK(text.find("} 4\n") == std::string::npos);
}

TEST_CASE("store: concurrent publishers and readers never see a torn snapshot") {
  SnapshotStore store;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop) {
      if (auto s = store.current(); s && !s->text.empty() && s->text.back() != '\n') ++torn;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        store.publish("slot" + std::to_string(w), gauge("llmon_w", {{"w", std::to_string(w)}}, i));
      }
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  CHECK(torn == 0);
  const auto& text = store.current()->text;
  for (int w = 0; w < 3; ++w) {
    CHECK(text.find("llmon_w{w=\"" + std::to_string(w) + "\"} 199") != std::string::npos);
  }
}
