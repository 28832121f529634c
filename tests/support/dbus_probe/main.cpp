// llmon_dbus_probe: prints, as JSON, what llmon's systemd code sees, so end-to-end tests can
// hold it against a real systemd. Built from the tuning sources alone (no llmon_core), so it
// runs inside a minimal Debian container. Not installed.
//   llmon_dbus_probe query [--bus ADDRESS] [--timeout-ms N] UNIT...   query_unit over D-Bus
//   llmon_dbus_probe load [--root DIR] --dir DIR... UNIT...          load_unit + environment
// One JSON object per unit and line.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "collectors/tuning/systemd_dbus.hpp"
#include "collectors/tuning/unit_resolve.hpp"

using namespace llmon;
using namespace llmon::tuning;

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

template <typename T, typename F>
std::string array(const std::vector<T>& items, F&& each) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + each(items[i]);
  return out + "]";
}

std::string strings(const std::vector<std::string>& items) { return array(items, quote); }

std::string stamp(const UnitFileStamp& s) {
  return "{\"path\":" + quote(s.path.string()) +
         ",\"mtime_usec\":" + (s.mtime_usec ? std::to_string(*s.mtime_usec) : "null") + "}";
}

std::string variables(const std::vector<UnitEnvVar>& vars) {
  return array(vars, [](const UnitEnvVar& v) {
    return "{\"name\":" + quote(v.name) + ",\"value\":" + quote(v.value) +
           ",\"source\":" + quote(v.source.where()) + "}";
  });
}

std::string problems(const std::vector<UnitProblem>& list) {
  return array(list, [](const UnitProblem& p) { return quote(p.where() + ": " + p.message); });
}

int query_one(const std::string& bus, const std::string& unit, Duration timeout);
void load_one(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& root,
              const std::string& unit);

int query(const std::vector<std::string>& args) {
  std::string bus = kSystemBusAddress;
  std::vector<std::string> units;
  long timeout_ms = 5000;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--bus" && i + 1 < args.size())
      bus = args[++i];
    else if (args[i] == "--timeout-ms" && i + 1 < args.size())
      timeout_ms = std::stol(args[++i]);
    else
      units.push_back(args[i]);
  }
  int status = 0;
  for (const auto& unit : units) status |= query_one(bus, unit, Duration(timeout_ms));
  return status;
}

int query_one(const std::string& bus, const std::string& unit, Duration timeout) {
  const auto r = query_unit(bus, unit, timeout);
  if (!r) {
    std::printf("{\"error\":%s}\n", quote(r.error().message).c_str());
    return 1;
  }
  const UnitRuntime& u = *r;
  std::printf(
      "{\"id\":%s,\"load_state\":%s,\"load_error\":%s,\"active_state\":%s,\"sub_state\":%s,"
      "\"fragment_path\":%s,\"dropin_paths\":%s,\"need_daemon_reload\":%s,\"environment\":%s,"
      "\"environment_files\":%s,\"unset_environment\":%s,\"user\":%s,\"exec_start\":%s,"
      "\"main_pid\":%u,\"exec_main_start_usec\":%llu,\"units_load_usec\":%llu}\n",
      quote(u.id).c_str(), quote(u.load_state).c_str(), quote(u.load_error).c_str(),
      quote(u.active_state).c_str(), quote(u.sub_state).c_str(), quote(u.fragment_path).c_str(),
      strings(u.dropin_paths).c_str(), u.need_daemon_reload ? "true" : "false",
      strings(u.environment).c_str(),
      array(u.environment_files,
            [](const RuntimeEnvFile& f) {
              return "{\"path\":" + quote(f.path) +
                     ",\"optional\":" + (f.optional ? "true" : "false") + "}";
            })
          .c_str(),
      strings(u.unset_environment).c_str(), quote(u.user).c_str(), quote(u.exec_start).c_str(),
      u.main_pid, static_cast<unsigned long long>(u.exec_main_start_usec),
      static_cast<unsigned long long>(u.units_load_usec));
  return 0;
}

int load(const std::vector<std::string>& args) {
  std::vector<std::filesystem::path> dirs;
  std::filesystem::path root;
  std::vector<std::string> units;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dir" && i + 1 < args.size())
      dirs.emplace_back(args[++i]);
    else if (args[i] == "--root" && i + 1 < args.size())
      root = args[++i];
    else
      units.push_back(args[i]);
  }
  for (const auto& unit : units) load_one(dirs, root, unit);
  return 0;
}

void load_one(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& root,
              const std::string& unit) {
  const UnitFileSet u = load_unit(unit, dirs, root);
  const UnitEnvironment e = effective_unit_environment(u);
  std::vector<std::string> dropins;
  for (const auto& d : u.dropins) dropins.push_back(d.string());
  std::vector<std::string> env;  // the Environment= list as D-Bus shows it
  for (const auto& v : u.environment) env.push_back(v.name + "=" + v.value);
  std::vector<std::string> unset;
  for (const auto& s : u.unset_environment) unset.push_back(s.value);
  std::printf(
      "{\"id\":%s,\"names\":%s,\"load_state\":%s,\"fragment_path\":%s,\"dropin_paths\":%s,"
      "\"environment\":%s,\"environment_files\":%s,\"unset_environment\":%s,\"user\":%s,"
      "\"exec_start\":%s,\"files\":%s,\"problems\":%s,\"effective\":{\"variables\":%s,"
      "\"environment_files\":%s,\"start_error\":%s,\"newest\":%s,\"problems\":%s}}\n",
      quote(u.id).c_str(), strings(u.names).c_str(), quote(to_string(u.state)).c_str(),
      quote(u.fragment.string()).c_str(), strings(dropins).c_str(), strings(env).c_str(),
      array(u.environment_files,
            [](const UnitEnvFileSetting& f) {
              return "{\"path\":" + quote(f.path) +
                     ",\"optional\":" + (f.optional ? "true" : "false") + "}";
            })
          .c_str(),
      strings(unset).c_str(), u.user ? quote(u.user->value).c_str() : "null",
      u.exec_start ? quote(u.exec_start->value).c_str() : "null", array(u.files, stamp).c_str(),
      problems(u.problems).c_str(), variables(e.variables).c_str(),
      array(e.environment_files, stamp).c_str(),
      e.start_error ? quote(*e.start_error).c_str() : "null",
      e.newest ? stamp(*e.newest).c_str() : "null", problems(e.problems).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "query") return query({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "load") return load({args.begin() + 1, args.end()});
  std::fprintf(stderr, "usage: llmon_dbus_probe query|load ... UNIT\n");
  return 2;
}
