// The checks that compare the running server with its systemd unit.
#include <algorithm>

#include "collectors/tuning/check_support.hpp"

namespace llmon::tuning {

using detail::assignment;
using detail::ollama_clean;
using detail::reload_and_restart;
using detail::result;
using detail::short_unit;
using detail::unknown;

namespace {

// File times have a granularity and systemd forks before exec: a file written in the same second
// the server started is not evidence of a pending restart.
constexpr double kMtimeSlackSeconds = 1.0;

// "NAME=value" mismatches as "expected, actual" strings with a count of further ones.
struct Mismatches {
  std::string subject = "the server";
  std::vector<std::string> lines;
  std::string expected, actual;

  void add(const std::string& name, const std::optional<std::string>& want,
           const std::optional<std::string>& have, const std::string& origin) {
    lines.push_back(assignment(name, want) + " (" + origin + ") but " + subject + " has " +
                    (have ? "\"" + *have + "\"" : "it unset"));
    if (lines.size() == 1) {
      expected = assignment(name, want);
      actual = assignment(name, have);
    }
  }
  void finish() {
    if (lines.size() > 1) {
      const std::string more = " (+" + std::to_string(lines.size() - 1) + " more)";
      expected += more;
      actual += more;
    }
  }
};

std::optional<std::string> value_of(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second.value;
}

}  // namespace

std::optional<CheckResult> check_restart_pending(const InstanceView& i, double now) {
  constexpr std::string_view kCheck = "restart_pending";
  if (i.unit_name.empty() || !i.unit) return std::nullopt;
  const UnitView& u = *i.unit;
  if (!u.found) return unknown(kCheck, i.name, u.name + " was not found in the unit directories");
  if (u.need_daemon_reload && *u.need_daemon_reload) {
    CheckResult r = result(kCheck, i.name, CheckState::kDrift);
    r.expected = "unit files loaded";
    r.actual = "daemon-reload pending";
    r.evidence.push_back("systemd reports NeedDaemonReload for " + u.name +
                         ": a unit file or drop-in changed after the last daemon-reload");
    if (!u.newest_file.empty()) r.evidence.push_back("newest file: " + u.newest_file);
    r.fix = reload_and_restart(u.name);
    return r;
  }
  if (!i.server) return unknown(kCheck, i.name, detail::no_server_reason(i));
  const ServerView& s = *i.server;
  if (!s.start_time) return unknown(kCheck, i.name, "the server's start time is unknown");
  if (!u.newest_mtime) return unknown(kCheck, i.name, "the unit files' times are unknown");
  const double lag = *u.newest_mtime - *s.start_time;
  if (lag <= kMtimeSlackSeconds) {
    CheckResult r = result(kCheck, i.name, CheckState::kOk);
    r.evidence.push_back("ollama (pid " + std::to_string(s.pid) + ") started " +
                         format_age(now - *s.start_time) + " ago, after its newest unit file " +
                         u.newest_file + " was written");
    return r;
  }
  CheckResult r = result(kCheck, i.name, CheckState::kDrift);
  r.expected = "restarted after the last change";
  r.actual = "changed " + format_age(lag) + " after start";
  r.evidence.push_back(u.newest_file + " changed " + format_age(lag) + " after ollama (pid " +
                       std::to_string(s.pid) + ") started");
  if (u.need_daemon_reload) {
    // systemd has read the files (NeedDaemonReload is false): only the restart is missing.
    r.evidence.push_back("systemd has loaded the change; the running server has not");
    r.fix = "sudo systemctl restart " + short_unit(u.name);
  } else {
    r.fix = reload_and_restart(u.name);
  }
  return r;
}

std::optional<CheckResult> check_env_mismatch(const InstanceView& i) {
  constexpr std::string_view kCheck = "env_mismatch";
  if (i.unit_name.empty() || !i.unit) return std::nullopt;
  const UnitView& u = *i.unit;
  if (!u.found) return unknown(kCheck, i.name, u.name + " was not found in the unit directories");
  if (!i.server) return unknown(kCheck, i.name, detail::no_server_reason(i));
  if (!i.server->environ) return unknown(kCheck, i.name, i.server->environ_error);
  Mismatches m;
  for (const auto& [name, want] : u.environment) {
    const auto have = value_of(*i.server->environ, name);
    if (have != want.value) m.add(name, want.value, have, want.origin);
  }
  if (m.lines.empty()) {
    CheckResult r = result(kCheck, i.name, CheckState::kOk);
    r.evidence.push_back("all " + std::to_string(u.environment.size()) +
                         " variables the unit sets match the running server");
    return r;
  }
  m.finish();
  CheckResult r = result(kCheck, i.name, CheckState::kDrift);
  r.expected = m.expected;
  r.actual = m.actual;
  r.evidence = m.lines;
  r.fix = "the server does not run with its unit's environment: " + reload_and_restart(u.name);
  return r;
}

std::optional<CheckResult> check_expect_mismatch(const InstanceView& i) {
  constexpr std::string_view kCheck = "expect_mismatch";
  if (i.expect.empty()) return std::nullopt;
  const auto env = effective_environment(i);
  if (!env) {
    return unknown(kCheck, i.name,
                   i.server && !i.server->environ_error.empty()
                       ? i.server->environ_error + ", and no unit file gives the variables"
                       : "neither the server's environment nor its unit is known");
  }
  const std::string where = env->from_process ? "the running server" : "its unit files";
  Mismatches m;
  m.subject = where;
  for (const auto& [name, want] : i.expect) {
    const auto have = value_of(env->values, name);
    // Ollama strips quotes and spaces, so "2" and " '2' " mean the same to it.
    if (!have || ollama_clean(*have) != ollama_clean(want)) {
      m.add(name, want, have, "[tuning.expect]");
    }
  }
  CheckResult r = result(kCheck, i.name, m.lines.empty() ? CheckState::kOk : CheckState::kDrift);
  if (m.lines.empty()) {
    r.evidence.push_back("every [tuning.expect] variable matches " + where);
    return r;
  }
  m.finish();
  r.expected = m.expected;
  r.actual = m.actual;
  r.evidence = m.lines;
  r.fix = env->from_process
              ? "set it in the unit (sudo systemctl edit " + short_unit(i.unit_name) + "), then " +
                    reload_and_restart(i.unit_name)
              : "set it in the unit (sudo systemctl edit " + short_unit(i.unit_name) + ")";
  if (i.unit_name.empty()) r.fix = "set the variable where this server is started";
  return r;
}

std::optional<CheckResult> check_not_under_unit(const InstanceView& i) {
  constexpr std::string_view kCheck = "not_under_unit";
  if (i.unit_name.empty()) return std::nullopt;
  if (!i.server) return unknown(kCheck, i.name, detail::no_server_reason(i));
  const ServerView& s = *i.server;
  const std::string who = "ollama (pid " + std::to_string(s.pid) + ")";
  const std::string fix = "stop the hand-started server and run: sudo systemctl restart " +
                          short_unit(i.unit_name) +
                          " (`ollama serve` from a shell ignores the unit's settings)";
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  if (i.unit && i.unit->main_pid) {
    const int main = *i.unit->main_pid;
    if (main == s.pid) {
      r.evidence.push_back(who + " is the main process of " + i.unit_name);
      return r;
    }
    r.state = CheckState::kDrift;
    r.expected = "main pid " + std::to_string(s.pid);
    r.actual = main == 0 ? "unit not running" : "main pid " + std::to_string(main);
    r.evidence.push_back(main == 0 ? i.unit_name + " is not running, yet " + who + " serves"
                                   : i.unit_name + "'s main process is pid " +
                                         std::to_string(main) + ", not " + who);
    r.fix = fix;
    return r;
  }
  if (!s.cgroup) {
    return unknown(kCheck, i.name, "neither systemd (D-Bus) nor the process's cgroup is known");
  }
  const std::string tail = "/" + i.unit_name;
  const bool under = s.cgroup->size() >= tail.size() &&
                     s.cgroup->compare(s.cgroup->size() - tail.size(), tail.size(), tail) == 0;
  if (under) {
    r.evidence.push_back(who + " runs in cgroup " + *s.cgroup);
    return r;
  }
  r.state = CheckState::kDrift;
  r.expected = "cgroup " + i.unit_name;
  r.actual = *s.cgroup;
  r.evidence.push_back(who + " runs in cgroup " + *s.cgroup + ", not in " + i.unit_name);
  r.fix = fix;
  return r;
}

}  // namespace llmon::tuning
