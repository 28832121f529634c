// What the tuning checks become: metric families and the `llmon doctor` checklist.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>

#include "collectors/tuning/tuning_families.hpp"
#include "daemon/doctor_report.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using namespace llmon::tuning;
using llmon::test::has;

namespace {

CheckResult made(std::string check, std::string instance, CheckState state) {
  CheckResult r;
  r.check = std::move(check);
  r.instance = std::move(instance);
  r.state = state;
  return r;
}

Evaluation sample() {
  Evaluation e;
  e.host.kernel_release = "6.18.5-1-amd64";
  e.host.ttm_pages_limit = 29360128;
  CheckResult drift = made("restart_pending", "default", CheckState::kDrift);
  drift.expected = "restarted after the last change";
  drift.actual = "changed 12 min after start";
  drift.evidence = {
      "/etc/systemd/system/ollama.service.d/override.conf changed 12 min after "
      "ollama (pid 812) started"};
  drift.fix = "sudo systemctl daemon-reload && sudo systemctl restart ollama";
  CheckResult unknown = made("env_mismatch", "default", CheckState::kUnknown);
  unknown.unknown_reason = "cannot read /proc/812/environ (permission denied)";
  CheckResult host_ok = made("gtt_limit", "", CheckState::kOk);
  host_ok.evidence = {"GPU 0's GTT pool (112.0 GiB) matches the live TTM limit"};
  e.results = {host_ok, drift, unknown};
  InstanceView i;
  i.name = "default";
  i.unit_name = "ollama.service";
  UnitView u;
  u.found = true;
  u.newest_mtime = 1763900745;
  u.environment = {{"OLLAMA_NUM_PARALLEL", {"4", "override.conf:4"}},
                   {"PATH", {"/usr/bin", "ollama.service:10"}}};
  i.unit = u;
  ServerView s;
  s.pid = 812;
  s.environ = Environment{{"OLLAMA_NUM_PARALLEL", {"2", "process"}}};
  i.server = s;
  RunnerView r;
  r.pid = 913;
  r.model = "qwen3-coder:30b";
  r.parallel = 2;
  r.context = 524288;
  r.flash_attn = "on";
  r.resident_bytes = 34359738368;
  r.cpu_seconds = 3905.34;
  RunnerView unmatched;
  unmatched.pid = 1210;
  i.runners = {r, unmatched};
  e.instances = {i};
  return e;
}

}  // namespace

TEST_CASE("tuning families: drift 1/0, absent when unknown, info only while drifting") {
  const std::string text = test::render(tuning_families(sample()));
  CHECK(has(text, "llmon_tuning_drift{check=\"restart_pending\",ollama=\"default\"} 1\n"));
  CHECK(has(text, "llmon_tuning_drift{check=\"gtt_limit\"} 0\n"));  // host scope: no ollama
  CHECK_FALSE(has(text, "check=\"env_mismatch\""));                 // unknown: absent
  CHECK(has(text,
            "llmon_tuning_drift_info{actual=\"changed 12 min after start\",check=\"restart_"
            "pending\",expected=\"restarted after the last change\",ollama=\"default\"} 1\n"));
  CHECK_FALSE(has(text, "llmon_tuning_drift_info{actual=\"\",check=\"gtt_limit\""));
}

TEST_CASE("tuning families: environment, unit, runners, kernel") {
  const std::string text = test::render(tuning_families(sample()));
  // Only the tuning subset of variables (OLLAMA_NUM_PARALLEL), from the process and the unit.
  CHECK(has(text,
            "llmon_ollama_env_info{ollama=\"default\",source=\"process\",value=\"2\","
            "var=\"OLLAMA_NUM_PARALLEL\"} 1\n"));
  CHECK(has(text,
            "llmon_ollama_env_info{ollama=\"default\",source=\"unit\",value=\"4\","
            "var=\"OLLAMA_NUM_PARALLEL\"} 1\n"));
  CHECK_FALSE(has(text, "var=\"PATH\""));
  CHECK(has(text, "llmon_ollama_unit_changed_timestamp_seconds{ollama=\"default\"} 1763900745\n"));
  CHECK(has(text,
            "llmon_ollama_runner_info{context=\"524288\",flash_attn=\"on\",kv_cache_type="
            "\"\",model=\"qwen3-coder:30b\",ollama=\"default\",parallel=\"2\"} 1\n"));
  CHECK(has(text,
            "llmon_ollama_runner_resident_memory_bytes{model=\"qwen3-coder:30b\","
            "ollama=\"default\"} 34359738368\n"));
  // No CPU time read: absent, not 0.
  CHECK_FALSE(has(text, "llmon_ollama_runner_cpu_seconds_total{model=\"pid 1210\""));
  CHECK(has(text,
            "llmon_ollama_runner_info{context=\"\",flash_attn=\"\",kv_cache_type=\"\","
            "model=\"pid 1210\",ollama=\"default\",parallel=\"\"} 1\n"));
  CHECK(has(text, "llmon_host_kernel_info{release=\"6.18.5-1-amd64\"} 1\n"));
  CHECK(has(text, "llmon_host_ttm_pages_limit_bytes 120259084288\n"));
}

TEST_CASE("doctor: one line per check with evidence and fix, exit 1 on drift") {
  const Evaluation e = sample();
  DoctorReport report;
  report.gpus = {{"0", "AMD Radeon 8060S", "gfx1151", 5e8, 5.36870912e8, 3.0e10, 1.2e11, 0.0}};
  report.host_checks = {e.results[0]};
  DoctorInstance d;
  d.name = "default";
  d.url = "http://127.0.0.1:11434";
  d.up = true;
  d.version = "0.30.4";
  d.pid = 812;
  d.models_loaded = 1;
  d.checks = {e.results[1], e.results[2]};
  report.instances = {d};
  const std::string text = render_doctor_text(report);
  CHECK(has(text,
            "  gpu 0: AMD Radeon 8060S (gfx1151), VRAM 0.5/0.5 GiB, GTT 27.9/111.8 GiB, "
            "busy 0 %\n"));
  CHECK(has(text, "note: the GPU is idle with 1 model(s) loaded"));
  CHECK(has(text,
            "  OK      gtt_limit           GPU 0's GTT pool (112.0 GiB) matches the live "
            "TTM limit\n"));
  CHECK(has(text,
            "Ollama \"default\" at http://127.0.0.1:11434: version 0.30.4, 1 model(s) "
            "loaded, pid 812\n"));
  CHECK(has(text,
            "  DRIFT   restart_pending     /etc/systemd/system/ollama.service.d/"
            "override.conf changed 12 min after ollama (pid 812) started\n"
            "                              fix: sudo systemctl daemon-reload && sudo "
            "systemctl restart ollama\n"));
  CHECK(has(text,
            "  UNKNOWN env_mismatch        cannot read /proc/812/environ (permission "
            "denied)\n"));
  CHECK(has(text, "1 drift, 1 unknown, 1 ok"));
  CHECK(doctor_exit_code(report) == 1);

  const auto json = boost::json::parse(render_doctor_json(report)).as_object();
  CHECK(json.at("summary").at("drift") == 1);
  // Byte counts are integers for scripts (jq), not 5.36870912E8.
  const auto& vram = json.at("gpus").at(0).at("vram_total_bytes");
  CHECK(vram.is_int64());  // what boost::json reads an integer that fits into
  CHECK(vram.to_number<std::uint64_t>() == 536870912u);
  const auto& checks = json.at("instances").at(0).at("checks").as_array();
  CHECK(checks.at(0).at("state") == "drift");
  CHECK(checks.at(0).at("fix") == "sudo systemctl daemon-reload && sudo systemctl restart ollama");
  CHECK(checks.at(1).at("reason") == "cannot read /proc/812/environ (permission denied)");

  report.instances[0].checks = {e.results[2]};  // unknown alone is not a failure
  CHECK(doctor_exit_code(report) == 0);
}
