// Faults and control routes of the in-process fake, observed from a raw socket, plus the HTTP
// edge cases a robust server must survive.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "test_client.hpp"

namespace json = boost::json;
using namespace fake_ollama;
using namespace fake_ollama::testing;

namespace {

constexpr std::string_view kScenario = R"(
[[models]]
name = "m:1b"
loaded = true
ttft = "5ms"
tokens_per_second = 1000
response = "one two three four five"

[[faults]]
endpoint = "/api/tags"
kind = "status"
status = 503
error = "server busy"
times = 1
)";

void set_fault(unsigned short port, std::string_view fault_json) {
  const RawResponse r = http(port, "POST", "/_fake/faults", fault_json);
  INFO(r.body);
  REQUIRE(r.status == 200);
}

bool parses(const std::string& text) {
  boost::system::error_code ec;
  json::parse(text, ec);
  return !ec;
}

}  // namespace

TEST_CASE("faults: status (wearing out after `times`), mid-stream error, malformed JSON") {
  InProcessServer fake(kScenario);
  RawResponse busy = http(fake.port(), "GET", "/api/tags");
  CHECK(busy.status == 503);
  CHECK(busy.json().at("error") == "server busy");
  CHECK(http(fake.port(), "GET", "/api/tags").status == 200);  // times = 1

  set_fault(
      fake.port(),
      R"({"endpoint":"/api/generate","kind":"mid_stream_error","after_chunks":2,"error":"boom"})");
  RawClient client(fake.port());
  client.send("POST", "/api/generate", R"({"model":"m:1b","prompt":"p"})");
  const RawResponse cut = client.read_response();
  CHECK(cut.status == 200);
  CHECK(cut.complete);  // the stream itself ends properly
  const auto lines = cut.ndjson();
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].at("response") == " two");
  CHECK(lines[2].at("error") == "boom");
  CHECK(http(fake.port(), "DELETE", "/_fake/faults").status == 200);

  set_fault(fake.port(), R"({"endpoint":"/api/ps","kind":"malformed_json"})");
  const RawResponse bad = http(fake.port(), "GET", "/api/ps");
  CHECK(bad.status == 200);
  CHECK(bad.complete);
  CHECK_FALSE(bad.body.empty());
  CHECK_FALSE(parses(bad.body));
}

TEST_CASE("faults: bogus_metrics plays the real answer with the claimed final fields") {
  InProcessServer fake(kScenario);
  set_fault(fake.port(), R"({"endpoint":"/api/generate","kind":"bogus_metrics",)"
                         R"("metrics":{"eval_count":9223372036854775807,"eval_duration":1}})");
  RawClient client(fake.port());
  client.send("POST", "/api/generate", R"({"model":"m:1b","prompt":"p"})");
  const auto lines = client.read_response().ndjson();
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0].at("response") == "one");  // the answer is the normal one
  const auto& final = lines.back();
  CHECK(final.at("done") == true);
  CHECK(final.at("eval_count").as_int64() == INT64_MAX);
  CHECK(final.at("eval_duration").as_int64() == 1);
  CHECK(final.at("prompt_eval_count").as_int64() >= 1);  // fields not claimed stay true
  // Not streamed: the same claims in the one object.
  const RawResponse whole =
      http(fake.port(), "POST", "/api/generate", R"({"model":"m:1b","prompt":"p","stream":false})");
  CHECK(whole.json().at("eval_duration").as_int64() == 1);
}

TEST_CASE("faults: truncated, reset, hang") {
  InProcessServer fake(kScenario);
  set_fault(fake.port(), R"({"endpoint":"/api/version","kind":"truncated"})");
  RawClient truncated(fake.port());
  truncated.send("GET", "/api/version");
  const RawResponse r = truncated.read_response(2000ms);
  CHECK(r.status == 200);
  CHECK_FALSE(r.complete);
  CHECK(r.body.size() < std::stoul(r.header("content-length")));
  CHECK(truncated.wait_for_end(2000ms) == PeerEnd::kEof);

  set_fault(fake.port(), R"({"endpoint":"/api/version","kind":"reset"})");
  RawClient reset(fake.port());
  reset.send("GET", "/api/version");
  CHECK(reset.wait_for_end(2000ms) == PeerEnd::kReset);

  set_fault(fake.port(), R"({"endpoint":"/api/version","kind":"hang"})");
  {
    RawClient hung(fake.port());
    hung.send("GET", "/api/version");
    CHECK(hung.wait_for_end(300ms) == PeerEnd::kOpen);  // no answer, no close
    // Meanwhile the fake serves others.
    CHECK(http(fake.port(), "GET", "/").status == 200);
  }  // the client gives up; the fake lets go of the connection
  CHECK(http(fake.port(), "DELETE", "/_fake/faults").status == 200);
  CHECK(http(fake.port(), "GET", "/api/version").status == 200);
}

TEST_CASE("faults: oversized and slow_drip bodies are valid, only big or slow") {
  InProcessServer fake(kScenario);
  set_fault(fake.port(), R"({"endpoint":"/api/tags","kind":"oversized","bytes":2097152})");
  const RawResponse big = http(fake.port(), "GET", "/api/tags");
  CHECK(big.status == 200);
  CHECK(big.body.size() >= 2097152);
  CHECK(big.json().at("models").as_array().size() > 1000);

  set_fault(fake.port(), R"({"endpoint":"/api/version","kind":"slow_drip","interval":"5ms"})");
  const auto start = std::chrono::steady_clock::now();
  const RawResponse slow = http(fake.port(), "GET", "/api/version");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(5 * 20));
  CHECK(slow.complete);
  CHECK(slow.body == R"({"version":"0.12.11"})");
}

TEST_CASE("control: the request log, scenario replacement, load and unload") {
  InProcessServer fake(kScenario);
  http(fake.port(), "POST", "/api/show", R"({"model":"m:1b"})");
  json::array log = json::parse(http(fake.port(), "GET", "/_fake/requests").body).as_array();
  REQUIRE(log.size() == 1);
  CHECK(log[0].at("method") == "POST");
  CHECK(log[0].at("path") == "/api/show");
  CHECK(log[0].at("body").at("model") == "m:1b");
  CHECK(log[0].at("headers").at("content-type") == "application/json");
  CHECK(http(fake.port(), "DELETE", "/_fake/requests").status == 200);
  CHECK(json::parse(http(fake.port(), "GET", "/_fake/requests").body).as_array().empty());

  const RawResponse refused =
      http(fake.port(), "POST", "/_fake/scenario", "[[models]]\nnmae = 1\n");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("POST /_fake/scenario:2:8: unknown key 'nmae'") != std::string::npos);
  CHECK(http(fake.port(), "POST", "/_fake/scenario",
             "[server]\nversion = \"0.5.7\"\n[[models]]\nname = \"other:2b\"\n")
            .status == 200);
  CHECK(json::parse(http(fake.port(), "GET", "/api/version").body).at("version") == "0.5.7");
  const auto ps = [&] {
    return json::parse(http(fake.port(), "GET", "/api/ps").body).at("models");
  };
  CHECK(ps().as_array().empty());
  CHECK(http(fake.port(), "POST", "/_fake/load", R"({"model":"other:2b","num_ctx":2048})").status ==
        200);
  CHECK(ps().as_array().at(0).at("context_length") == 2048);
  CHECK(http(fake.port(), "POST", "/_fake/unload", R"({"model":"other:2b"})").status == 200);
  CHECK(ps().as_array().empty());
  CHECK(http(fake.port(), "POST", "/_fake/load", R"({"model":"nope"})").status == 404);
  const json::value stats = json::parse(http(fake.port(), "GET", "/_fake/stats").body);
  CHECK(stats.at("models").at("other:2b").at("loads") == 1);
  CHECK(stats.at("models").at("other:2b").at("unloads") == 1);
  CHECK(stats.at("requests").at("/api/ps") == 3);
}

TEST_CASE("http: bad input gets Ollama's errors; keep-alive and pipelining work") {
  InProcessServer fake(kScenario);
  RawResponse r = http(fake.port(), "POST", "/api/generate", "{not json");
  CHECK(r.status == 400);
  CHECK(r.json().at("error") == "invalid character 'n' looking for beginning of value");
  r = http(fake.port(), "POST", "/api/chat", R"({"model":"ghost","messages":[]})");
  CHECK(r.status == 404);
  CHECK(r.json().at("error") == "model 'ghost' not found");
  r = http(fake.port(), "POST", "/api/show", R"({"model":"ghost"})");
  CHECK(r.status == 404);
  r = http(fake.port(), "POST", "/api/generate", std::string(2 << 20, ' '));
  CHECK(r.status == 413);

  RawClient garbage(fake.port());
  garbage.send_raw("NOT HTTP AT ALL\r\n\r\n");
  CHECK(garbage.read_response().status == 400);

  RawClient client(fake.port());
  client.send("GET", "/api/version");
  CHECK(client.read_response().status == 200);
  client.send("POST", "/api/generate", R"({"model":"m:1b","prompt":"p","stream":false})");
  CHECK(client.read_response().json().at("response") == "one two three four five");
  // Two requests in one write: answered in order on the same connection.
  client.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /api/version HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.read_response().body == "Ollama is running");
  CHECK(client.read_response().body == R"({"version":"0.12.11"})");
}
