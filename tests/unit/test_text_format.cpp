// Numbers in the exposition and in JSON as Prometheus clients and people write them.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "common/number_format.hpp"
#include "exporters/text_format.hpp"

using namespace llmon;

TEST_CASE("number format: shortest round trip, whole numbers in full, Prometheus' specials") {
  CHECK(format_number(0.07) == "0.07");  // prometheus-cpp wrote 0.07000000000000001
  CHECK(format_number(8.4) == "8.4");
  CHECK(format_number(0.251) == "0.251");
  CHECK(format_number(200) == "200");
  CHECK(format_number(0) == "0");
  CHECK(format_number(1487000000) == "1487000000");  // not 1.487e+09
  CHECK(format_number(34359738368.0) == "34359738368");
  CHECK(format_number(1795450000.123) == "1795450000.123");
  CHECK(format_number(9.2e27) == "9.2e+27");
  CHECK(format_number(-2.5) == "-2.5");
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "NaN");  // was "Nan"
  // Every form reads back as the same double.
  for (double v :
       {0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, 123456.789, 9007199254740993.0, -0.0}) {
    CHECK(std::strtod(format_number(v).c_str(), nullptr) == v);
  }
}

TEST_CASE("text format: every value, bucket bound and quantile in the shortest form") {
  FamilySet set;
  set.gauge("llmon_ratio", "A ratio.", {{"gpu", "0"}}, 0.07);
  set.counter("llmon_things_total", "Things.", {}, 3);
  set.histogram("llmon_tps", "Speed.", {}, {0.05, 0.1, 1}, {0, 1, 2}, 3, 0.1 + 0.2);
  set.gauge("llmon_nan", "Not a number.", {}, std::numeric_limits<double>::quiet_NaN());
  const std::string text = render_text(set.take());
  CHECK(text ==
        "# HELP llmon_ratio A ratio.\n# TYPE llmon_ratio gauge\nllmon_ratio{gpu=\"0\"} 0.07\n"
        "# HELP llmon_things_total Things.\n# TYPE llmon_things_total counter\n"
        "llmon_things_total 3\n"
        "# HELP llmon_tps Speed.\n# TYPE llmon_tps histogram\n"
        "llmon_tps_count 3\nllmon_tps_sum 0.30000000000000004\n"
        "llmon_tps_bucket{le=\"0.05\"} 0\nllmon_tps_bucket{le=\"0.1\"} 1\n"
        "llmon_tps_bucket{le=\"1\"} 2\nllmon_tps_bucket{le=\"+Inf\"} 3\n"
        "# HELP llmon_nan Not a number.\n# TYPE llmon_nan gauge\nllmon_nan NaN\n");
}

TEST_CASE("text format: HELP escapes backslash and newline, label values also the quote") {
  // Built by hand: FamilySet would already have made the newline a visible "␊" (test_label_value).
  MetricFamilies families{
      {"llmon_x", "line one\nback\\slash \"quoted\"", prometheus::MetricType::Gauge, {}}};
  families[0].metric.push_back(prometheus::ClientMetric{});
  families[0].metric[0].label.push_back({"model", "a\"b\\c\nd"});
  families[0].metric[0].gauge.value = 1;
  const std::string text = render_text(families);
  CHECK(text ==
        "# HELP llmon_x line one\\nback\\\\slash \"quoted\"\n# TYPE llmon_x gauge\n"
        "llmon_x{model=\"a\\\"b\\\\c\\nd\"} 1\n");
  FamilySet set;
  set.gauge("llmon_x", "Help.", {{"model", "a\"b\\c\nd"}}, 1);
  CHECK(render_text(set.take()) ==
        "# HELP llmon_x Help.\n# TYPE llmon_x gauge\nllmon_x{model=\"a\\\"b\\\\c\xE2\x90\x8A"
        "d\"} 1\n");
}

TEST_CASE("json text: numbers as people write them, non-finite as null, strings escaped") {
  namespace json = boost::json;
  const json::value v = json::object{{"tps", 200.0},
                                     {"ratio", 8.4},
                                     {"ttft", 0.251},
                                     {"n", 42},
                                     {"inf", std::numeric_limits<double>::infinity()},
                                     {"s", "a\"b\n"},
                                     {"list", json::array{0.07, true, nullptr}}};
  CHECK(json::serialize(v).find("2E2") != std::string::npos);  // what boost::json writes
  CHECK(
      json_text(v) ==
      R"({"tps":200,"ratio":8.4,"ttft":0.251,"n":42,"inf":null,"s":"a\"b\n","list":[0.07,true,null]})");
  CHECK(json::parse(json_text(v)).at("tps").to_number<double>() == 200.0);
}
