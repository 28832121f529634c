// The checks that compare the running Ollama server with its systemd unit.
#include <doctest/doctest.h>

#include "collectors/tuning/checks.hpp"

using namespace llmon::tuning;

namespace {

constexpr double kStart = 1'764'000'000;  // the server's start, unix seconds

// A Strix Halo box's `default` instance run by ollama.service, everything in order.
InstanceView clean_instance() {
  InstanceView i;
  i.name = "default";
  i.polled = i.up = true;
  i.version = "0.30.4";
  i.unit_name = "ollama.service";
  ServerView s;
  s.pid = 812;
  s.start_time = kStart;
  s.ppid = 1;
  s.cgroup = "/system.slice/ollama.service";
  s.environ = Environment{{"OLLAMA_NUM_PARALLEL", {"2", "process"}},
                          {"OLLAMA_KEEP_ALIVE", {"30m", "process"}},
                          {"HOME", {"/usr/share/ollama", "process"}}};
  i.server = s;
  UnitView u;
  u.name = "ollama.service";
  u.found = true;
  u.files = {"/etc/systemd/system/ollama.service",
             "/etc/systemd/system/ollama.service.d/override.conf"};
  u.environment = {{"OLLAMA_NUM_PARALLEL", {"2", "override.conf:3"}},
                   {"OLLAMA_KEEP_ALIVE", {"30m", "override.conf:4"}}};
  u.newest_mtime = kStart - 3600;
  u.newest_file = "/etc/systemd/system/ollama.service.d/override.conf";
  i.unit = u;
  return i;
}

}  // namespace

TEST_CASE("restart_pending: ok when the server started after its newest unit file") {
  auto r = check_restart_pending(clean_instance(), kStart + 600);
  REQUIRE(r);
  CHECK(r->state == CheckState::kOk);
  CHECK(r->evidence.at(0).find("started 10 min ago") != std::string::npos);
}

TEST_CASE("restart_pending: a drop-in newer than the server is a pending restart") {
  InstanceView i = clean_instance();
  i.unit->newest_mtime = kStart + 12 * 60;
  auto r = check_restart_pending(i, kStart + 3600);
  REQUIRE(r);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "changed 12 min after start");
  CHECK(r->evidence.at(0) ==
        "/etc/systemd/system/ollama.service.d/override.conf changed 12 min after ollama (pid "
        "812) started");
  // Without D-Bus, files alone cannot tell whether daemon-reload ran: ask for both.
  CHECK(r->fix == "sudo systemctl daemon-reload && sudo systemctl restart ollama");

  SUBCASE("systemd has reloaded (NeedDaemonReload false): only the restart is missing") {
    i.unit->need_daemon_reload = false;
    auto reloaded = check_restart_pending(i, kStart + 3600);
    CHECK(reloaded->state == CheckState::kDrift);
    CHECK(reloaded->fix == "sudo systemctl restart ollama");
  }
  SUBCASE("a write within a second of the start is not evidence") {
    i.unit->newest_mtime = kStart + 0.9;
    CHECK(check_restart_pending(i, kStart + 3600)->state == CheckState::kOk);
  }
}

TEST_CASE("restart_pending: NeedDaemonReload is drift even before the server is found") {
  InstanceView i = clean_instance();
  i.server.reset();
  i.unit->need_daemon_reload = true;
  auto r = check_restart_pending(i, kStart);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "daemon-reload pending");
  CHECK(r->fix == "sudo systemctl daemon-reload && sudo systemctl restart ollama");
}

TEST_CASE("restart_pending: unknown without a server or a unit file, absent without a unit") {
  InstanceView i = clean_instance();
  i.server.reset();
  i.server_error = "no process listens on port 11434";
  auto r = check_restart_pending(i, kStart);
  CHECK(r->state == CheckState::kUnknown);
  CHECK(r->unknown_reason == "no process listens on port 11434");

  i = clean_instance();
  i.unit->found = false;
  CHECK(check_restart_pending(i, kStart)->state == CheckState::kUnknown);

  i = clean_instance();
  i.unit_name.clear();
  i.unit.reset();
  CHECK_FALSE(check_restart_pending(i, kStart));
}

TEST_CASE("env_mismatch: every unit variable must reach the process unchanged") {
  InstanceView i = clean_instance();
  CHECK(check_env_mismatch(i)->state == CheckState::kOk);

  i.server->environ->at("OLLAMA_NUM_PARALLEL").value = "1";
  i.server->environ->erase("OLLAMA_KEEP_ALIVE");
  auto r = check_env_mismatch(i);
  CHECK(r->state == CheckState::kDrift);
  // Variables in name order: the first mismatch in the labels, the count of the others.
  CHECK(r->expected == "OLLAMA_KEEP_ALIVE=30m (+1 more)");
  CHECK(r->actual == "OLLAMA_KEEP_ALIVE unset (+1 more)");
  REQUIRE(r->evidence.size() == 2);
  CHECK(r->evidence[1] == "OLLAMA_NUM_PARALLEL=2 (override.conf:3) but the server has \"1\"");
}

TEST_CASE("env_mismatch: an unreadable environment is unknown, never ok") {
  InstanceView i = clean_instance();
  i.server->environ.reset();
  i.server->environ_error =
      "cannot read /proc/812/environ (permission denied): run llmon as the ollama user";
  auto r = check_env_mismatch(i);
  CHECK(r->state == CheckState::kUnknown);
  CHECK(r->unknown_reason.find("permission denied") != std::string::npos);
}

TEST_CASE("expect_mismatch: judged on the process, else on the unit, as Ollama reads values") {
  InstanceView i = clean_instance();
  CHECK_FALSE(check_expect_mismatch(i));  // nothing expected: the check does not apply
  i.expect = {{"OLLAMA_NUM_PARALLEL", "2"}, {"OLLAMA_FLASH_ATTENTION", "1"}};
  auto r = check_expect_mismatch(i);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->expected == "OLLAMA_FLASH_ATTENTION=1");
  CHECK(r->actual == "OLLAMA_FLASH_ATTENTION unset");
  CHECK(r->evidence.at(0).find("the running server has it unset") != std::string::npos);

  // Ollama strips quotes and spaces (envconfig.Var): '"2" ' is 2 to it.
  i.expect = {{"OLLAMA_NUM_PARALLEL", "2"}};
  i.server->environ->at("OLLAMA_NUM_PARALLEL").value = "\"2\" ";
  CHECK(check_expect_mismatch(i)->state == CheckState::kOk);

  // Without the process's environment, the unit's files stand in (and say so).
  i.server->environ.reset();
  i.unit->environment.at("OLLAMA_NUM_PARALLEL").value = "4";
  r = check_expect_mismatch(i);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->evidence.at(0).find("its unit files has \"4\"") != std::string::npos);

  // Neither known: unknown.
  i.unit.reset();
  i.server->environ_error = "cannot read /proc/812/environ (permission denied)";
  CHECK(check_expect_mismatch(i)->state == CheckState::kUnknown);
}

TEST_CASE("not_under_unit: systemd's MainPID first, then the process's cgroup") {
  InstanceView i = clean_instance();
  CHECK(check_not_under_unit(i)->state == CheckState::kOk);

  i.server->cgroup = "/user.slice/user-1000.slice/session-3.scope";
  auto r = check_not_under_unit(i);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "/user.slice/user-1000.slice/session-3.scope");
  CHECK(r->fix.find("sudo systemctl restart ollama") != std::string::npos);

  // D-Bus overrides the cgroup: the unit's own main process is the truth.
  i.unit->main_pid = 812;
  CHECK(check_not_under_unit(i)->state == CheckState::kOk);
  i.unit->main_pid = 0;
  r = check_not_under_unit(i);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "unit not running");
  i.unit->main_pid = 900;
  CHECK(check_not_under_unit(i)->actual == "main pid 900");

  i.unit->main_pid.reset();
  i.server->cgroup.reset();
  CHECK(check_not_under_unit(i)->state == CheckState::kUnknown);
}
