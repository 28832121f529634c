// Process identity (cmdline, stat, status) and /proc/<pid>/environ, on inline strings, scratch
// procfs trees, and the real /proc of this machine for what only the kernel can answer.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "collectors/process/proc_pid.hpp"
#include "collectors/process/proc_stat.hpp"
#include "collectors/tuning/proc_environ.hpp"
#include "tuning_test_support.hpp"

using namespace llmon;
using llmon::test::stat_line;
using llmon::test::TempTree;
using Argv = std::vector<std::string>;

namespace {

std::string nul(std::string s) {
  for (char& c : s) c = c == '|' ? '\0' : c;
  return s;
}

}  // namespace

TEST_CASE("cmdline: NUL-separated argv, the final NUL optional, empty arguments kept") {
  CHECK(proc::parse_cmdline(nul("/usr/bin/ollama|serve|")) == Argv{"/usr/bin/ollama", "serve"});
  CHECK(proc::parse_cmdline(nul("/usr/bin/ollama|serve")) == Argv{"/usr/bin/ollama", "serve"});
  CHECK(proc::parse_cmdline(nul("a||b|")) == Argv{"a", "", "b"});
  CHECK(proc::parse_cmdline(nul("cmd||")) == Argv{"cmd", ""});
  CHECK(proc::parse_cmdline("").empty());  // kernel thread or zombie
  // An argument with spaces among others is one argument.
  CHECK(proc::parse_cmdline(nul("sh|-c|echo a b|")) == Argv{"sh", "-c", "echo a b"});
}

TEST_CASE("cmdline: an argv rewritten into one space-separated string is split") {
  CHECK(proc::parse_cmdline("ollama runner --model /m --port 5") ==
        Argv{"ollama", "runner", "--model", "/m", "--port", "5"});
  // setproctitle pads the old argv area with NULs.
  CHECK(proc::parse_cmdline(nul("postgres: writer   |||")) == Argv{"postgres:", "writer"});
}

TEST_CASE("cmdline: hostile input is bounded and keeps bytes as they are") {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += nul("x|");
  CHECK(proc::parse_cmdline(many).size() == proc::kMaxArgs);
  const auto bytes = proc::parse_cmdline(nul("\xff\xfe|caf\xc3\xa9|"));
  CHECK(bytes == Argv{"\xff\xfe", "caf\xc3\xa9"});
  CHECK(proc::parse_cmdline(std::string(1, '\0')) == Argv{""});
}

TEST_CASE("stat: ppid is field 4, read after the last ')' of a comm holding \") (\"") {
  const auto st = proc::parse_pid_stat(stat_line(913, "a) (b) S 1 (", 'S', 812, 1, 2, 3, 4));
  REQUIRE(st);
  CHECK(st->comm == "a) (b) S 1 (");
  CHECK(st->ppid == 812);
  CHECK(st->state == 'S');
  CHECK(st->starttime_ticks == 3);
  CHECK_FALSE(proc::parse_pid_stat(stat_line(1, "x", 'S', -1, 1, 2, 3, 4)));
  CHECK_FALSE(proc::parse_pid_stat(stat_line(1, "x", 'S', 1, 1, 2, 3, 4).substr(0, 40)));
}

TEST_CASE("status: real, effective, saved and filesystem uid and gid") {
  const auto c = proc::parse_status_credentials(
      "Name:\tollama\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t812\nPPid:\t1\n"
      "Uid:\t997\t998\t999\t1000\nGid:\t996\t996\t996\t996\nGroups:\t44 992\n");
  REQUIRE(c);
  CHECK(c->uid.real == 997);
  CHECK(c->uid.effective == 998);
  CHECK(c->uid.saved == 999);
  CHECK(c->uid.fs == 1000);
  CHECK(c->gid.real == 996);
  CHECK(c->gid.fs == 996);
  CHECK_FALSE(proc::parse_status_credentials("Uid:\t1\t1\t1\nGid:\t1\t1\t1\t1\n"));
  CHECK_FALSE(proc::parse_status_credentials("Uid:\t1\t1\t1\t1\n"));
  CHECK_FALSE(proc::parse_status_credentials("Uid:\t-1\t1\t1\t1\nGid:\t1\t1\t1\t1\n"));
  CHECK_FALSE(proc::parse_status_credentials(""));
}

TEST_CASE("process info: parent, argv, start time in unix seconds and credentials") {
  TempTree t;
  t.write("stat", "cpu  1 2 3\nbtime 1763900000\n");
  t.write("812/stat", stat_line(812, "ollama", 'S', 1, 10, 5, 2500, 100));
  t.write("812/cmdline", nul("/usr/local/bin/ollama|serve|"));
  t.write("812/status", "Uid:\t997\t997\t997\t997\nGid:\t997\t997\t997\t997\n");
  const auto info = proc::read_process_info(t.root(), 812);
  REQUIRE(info);
  CHECK(info->ppid == 1);
  CHECK(info->argv == Argv{"/usr/local/bin/ollama", "serve"});
  REQUIRE(info->start_time_seconds);
  CHECK(*info->start_time_seconds ==
        doctest::Approx(1763900000.0 + 2500.0 / static_cast<double>(::sysconf(_SC_CLK_TCK))));
  REQUIRE(info->credentials);
  CHECK(info->credentials->uid.real == 997);
  CHECK_FALSE(proc::read_process_info(t.root(), 999));  // no such process
  CHECK(proc::list_pids(t.root()) == std::vector<int>{812});
}

TEST_CASE(
    "environ: NAME=VALUE entries in order, no '=' or empty names skipped, final NUL optional") {
  const auto vars = tuning::parse_environ(
      nul("HOME=/usr/share/ollama|OLLAMA_HOST=0.0.0.0|junk|=nameless|A=|B=x=y|OLLAMA_HOST=dup"));
  REQUIRE(vars);
  REQUIRE(vars->size() == 5);
  CHECK((*vars)[0].name == "HOME");
  CHECK((*vars)[2].name == "A");
  CHECK((*vars)[2].value.empty());
  CHECK((*vars)[3].value == "x=y");
  CHECK((*vars)[4].value == "dup");
  // Go's os.Getenv returns the first of duplicates.
  REQUIRE(tuning::find_env(*vars, "OLLAMA_HOST"));
  CHECK(tuning::find_env(*vars, "OLLAMA_HOST")->value == "0.0.0.0");
  CHECK_FALSE(tuning::find_env(*vars, "ollama_host"));
  CHECK(tuning::parse_environ("")->empty());
  CHECK(tuning::parse_environ(nul("|||"))->empty());
  const auto bin = tuning::parse_environ(nul("K=\xff\x01|"));
  CHECK((*bin)[0].value == "\xff\x01");
}

TEST_CASE("environ: more variables than the bound is an error, never a truncated environment") {
  std::string text;
  for (std::size_t i = 0; i <= tuning::kMaxEnvironVars; ++i)
    text += nul("V" + std::to_string(i) + "=1|");
  CHECK_FALSE(tuning::parse_environ(text));
  TempTree t;
  t.write("5/stat", stat_line(5, "ollama", 'S', 1, 0, 0, 1, 1));
  t.write("5/environ", text);
  CHECK(tuning::read_environ(t.root(), 5).status == tuning::EnvironStatus::kError);
  t.write("5/environ", std::string(tuning::kMaxEnvironBytes + 1, 'A'));
  const auto big = tuning::read_environ(t.root(), 5);
  CHECK(big.status == tuning::EnvironStatus::kError);
  CHECK(big.error.find("larger than") != std::string::npos);
}

TEST_CASE("environ: a fixture process reads, a missing one is gone, an empty zombie is gone") {
  TempTree t;
  t.write("812/stat", stat_line(812, "ollama", 'S', 1, 0, 0, 1, 1));
  t.write("812/environ", nul("OLLAMA_NUM_PARALLEL=2|"));
  const auto ok = tuning::read_environ(t.root(), 812);
  REQUIRE(ok.ok());
  CHECK(ok.vars.size() == 1);
  CHECK(tuning::read_environ(t.root(), 4242).status == tuning::EnvironStatus::kGone);
  t.write("813/stat", stat_line(813, "ollama", 'Z', 1, 0, 0, 1, 0));
  t.write("813/environ", "");
  CHECK(tuning::read_environ(t.root(), 813).status == tuning::EnvironStatus::kGone);
  // A live process with an empty environment (env -i) is an empty environment.
  t.write("814/stat", stat_line(814, "ollama", 'S', 1, 0, 0, 1, 1));
  t.write("814/environ", "");
  const auto empty = tuning::read_environ(t.root(), 814);
  CHECK(empty.ok());
  CHECK(empty.vars.empty());
}

TEST_CASE("environ: the real kernel refuses another user's process with EACCES, said plainly") {
  // As nobody, pid 1 (root's) fails the PTRACE_MODE_READ_FSCREDS check.
  const int code = test::run_as_nobody([] {
    const auto r = tuning::read_environ("/proc", 1);
    if (r.status != tuning::EnvironStatus::kPermissionDenied) return 1;
    if (r.error.find("PTRACE_MODE_READ_FSCREDS") == std::string::npos) return 2;
    if (r.error.find("docs/tuning-drift.md") == std::string::npos) return 3;
    return r.vars.empty() ? 0 : 4;
  });
  if (code == -1) {
    MESSAGE("cannot drop privileges here; skipped");
    return;
  }
  CHECK(code == 0);
}

TEST_CASE("environ: the real kernel's own process, a reaped pid and a zombie") {
  const auto self = tuning::read_environ("/proc", ::getpid());
  REQUIRE(self.ok());
  if (const char* path = std::getenv("PATH")) {
    REQUIRE(tuning::find_env(self.vars, "PATH"));
    CHECK(tuning::find_env(self.vars, "PATH")->value == path);
  }
  const pid_t zombie = ::fork();
  if (zombie == 0) ::_exit(0);
  REQUIRE(zombie > 0);
  // Until reaped it is a zombie: its environ reads empty, which must not pass for an environment.
  for (int i = 0; i < 200; ++i) {
    const auto info = proc::read_process_info("/proc", zombie);
    if (info && info->state == 'Z') break;
    ::usleep(5000);
  }
  CHECK(tuning::read_environ("/proc", zombie).status == tuning::EnvironStatus::kGone);
  int status = 0;
  ::waitpid(zombie, &status, 0);
  CHECK(tuning::read_environ("/proc", zombie).status == tuning::EnvironStatus::kGone);
}

TEST_CASE("cgroup: the unified hierarchy's path, else the v1 name=systemd one") {
  CHECK(proc::parse_proc_cgroup("0::/system.slice/ollama.service\n") ==
        "/system.slice/ollama.service");
  // A hybrid v1 box lists every controller; only name=systemd names the unit.
  CHECK(proc::parse_proc_cgroup("12:memory:/system.slice/ollama.service\n"
                                "1:name=systemd:/system.slice/ollama.service\n") ==
        "/system.slice/ollama.service");
  CHECK(proc::parse_proc_cgroup("1:name=systemd:/user.slice/a\n0::/user.slice/user-1000.slice/"
                                "session-2.scope\n") ==
        "/user.slice/user-1000.slice/session-2.scope");
  // Paths may hold ':'; lines without a path, or garbage, are skipped.
  CHECK(proc::parse_proc_cgroup("0::/machine.slice/a:b.scope") == "/machine.slice/a:b.scope");
  CHECK_FALSE(proc::parse_proc_cgroup("garbage\n0:cpu\n3:cpu:relative\n"));
  CHECK_FALSE(proc::parse_proc_cgroup(""));
}
