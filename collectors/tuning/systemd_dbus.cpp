// The only file that uses sd-bus, so that libsystemd could be dlopen()ed instead of linked.
#include "collectors/tuning/systemd_dbus.hpp"

#ifdef LLMON_HAVE_SYSTEMD
#include <systemd/sd-bus.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#endif

namespace llmon::tuning {

#ifndef LLMON_HAVE_SYSTEMD

bool dbus_supported() { return false; }

Expected<UnitRuntime> query_unit(const std::string&, const std::string&, Duration) {
  return make_error("built without sd-bus");
}

#else

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxArray = 4096;  // entries per array property we copy
constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";

struct BusCloser {  // close without flushing: a peer that stops reading must not block us
  void operator()(sd_bus* bus) const { sd_bus_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using BusPtr = std::unique_ptr<sd_bus, BusCloser>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

std::string errno_text(int r) { return std::strerror(r < 0 ? -r : r); }

class Deadline {
 public:
  explicit Deadline(Duration timeout) : end_(Clock::now() + timeout) {}
  bool passed() const { return Clock::now() >= end_; }
  std::uint64_t remaining_usec() const {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(end_ - Clock::now());
    return left.count() > 0 ? static_cast<std::uint64_t>(left.count()) : 1;
  }

 private:
  Clock::time_point end_;
};

// Drives authentication and Hello ourselves: sd_bus_call would otherwise wait for them with
// sd-bus's own (long) authentication timeout rather than ours.
int wait_ready(sd_bus* bus, const Deadline& deadline) {
  for (;;) {
    int r = sd_bus_is_ready(bus);
    if (r != 0) return r < 0 ? r : 0;
    r = sd_bus_process(bus, nullptr);
    if (r < 0) return r;
    if (r > 0) continue;
    if (deadline.passed()) return -ETIMEDOUT;
    r = sd_bus_wait(bus, deadline.remaining_usec());
    if (r < 0 && r != -EINTR) return r;
  }
}

Expected<MessagePtr> call(sd_bus* bus, const Deadline& deadline, const std::string& what,
                          const char* path, const char* interface, const char* member,
                          std::initializer_list<const char*> args) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, kDestination, path, interface, member);
  MessagePtr m(raw);
  for (const char* arg : args) {
    if (r >= 0) r = sd_bus_message_append_basic(m.get(), 's', arg);
  }
  if (r < 0) return make_error(what + ": " + errno_text(r));
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  r = sd_bus_call(bus, m.get(), deadline.remaining_usec(), &error, &reply);
  MessagePtr owned(reply);
  if (r < 0) {
    std::string text = what + ": ";
    if (sd_bus_error_is_set(&error)) {
      text += std::string(error.name) + ": " + (error.message ? error.message : "");
    } else {
      text += errno_text(r);
    }
    sd_bus_error_free(&error);
    return make_error(text);
  }
  sd_bus_error_free(&error);
  return owned;
}

// Property readers return a negative errno (sd-bus convention) on malformed content.
using PropertyReader = std::function<int(sd_bus_message*)>;
struct Property {
  const char* signature;
  PropertyReader read;
};

int read_string(sd_bus_message* m, char type, std::string& out) {
  const char* s = nullptr;
  const int r = sd_bus_message_read_basic(m, type, &s);
  if (r < 0) return r;
  out = s != nullptr ? s : "";
  return 0;
}

template <typename T>
int read_number(sd_bus_message* m, char type, T& out) {
  return sd_bus_message_read_basic(m, type, &out);
}

// Reads an array of `element`s ("s", "(sb)", ...), calling `each` while it is not at the end.
int read_array(sd_bus_message* m, const char* element, const std::function<int()>& each) {
  int r = sd_bus_message_enter_container(m, 'a', element);
  if (r < 0) return r;
  for (std::size_t n = 0;; ++n) {
    r = sd_bus_message_at_end(m, 0);
    if (r < 0) return r;
    if (r > 0) break;
    if (n == kMaxArray) return -E2BIG;
    r = each();
    if (r < 0) return r;
  }
  return sd_bus_message_exit_container(m);
}

int read_strings(sd_bus_message* m, std::vector<std::string>& out) {
  out.clear();
  return read_array(m, "s", [&] {
    std::string s;
    const int r = read_string(m, 's', s);
    out.push_back(std::move(s));
    return r;
  });
}

int read_struct(sd_bus_message* m, const char* contents, const std::function<int()>& body) {
  int r = sd_bus_message_enter_container(m, 'r', contents);
  if (r < 0) return r;
  r = body();
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

// Reads a{sv}, dispatching the properties we know (checking their type) and skipping the rest.
Expected<bool> read_properties(sd_bus_message* m, const std::string& what,
                               const std::map<std::string_view, Property>& known) {
  const auto fail = [&](const std::string& why) { return make_error(what + ": " + why); };
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return fail("reply is not a property list: " + errno_text(r));
  for (;;) {
    r = sd_bus_message_enter_container(m, 'e', "sv");
    if (r < 0) return fail("malformed property list: " + errno_text(r));
    if (r == 0) break;
    std::string name;
    r = read_string(m, 's', name);
    if (r < 0) return fail("malformed property name: " + errno_text(r));
    const auto it = known.find(name);
    if (it == known.end()) {
      r = sd_bus_message_skip(m, "v");
    } else {
      char type = 0;
      const char* contents = nullptr;
      r = sd_bus_message_peek_type(m, &type, &contents);
      if (r < 0) return fail("malformed property " + name + ": " + errno_text(r));
      const std::string_view actual = contents != nullptr ? contents : "";
      if (type != 'v' || actual != it->second.signature) {
        return fail("property " + name + " has type '" + std::string(actual) + "', expected '" +
                    it->second.signature + "'");
      }
      r = sd_bus_message_enter_container(m, 'v', it->second.signature);
      if (r >= 0) r = it->second.read(m);
      if (r >= 0) r = sd_bus_message_exit_container(m);
      if (r < 0) return fail("cannot read property " + name + ": " + errno_text(r));
    }
    if (r >= 0) r = sd_bus_message_exit_container(m);
    if (r < 0) return fail("malformed property list: " + errno_text(r));
  }
  return true;
}

std::map<std::string_view, Property> unit_properties(UnitRuntime& u) {
  return {
      {"Id", {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.id); }}},
      {"LoadState", {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.load_state); }}},
      {"ActiveState",
       {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.active_state); }}},
      {"SubState", {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.sub_state); }}},
      {"FragmentPath",
       {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.fragment_path); }}},
      {"DropInPaths", {"as", [&](sd_bus_message* m) { return read_strings(m, u.dropin_paths); }}},
      {"NeedDaemonReload",
       {"b",
        [&](sd_bus_message* m) {
          int b = 0;
          const int r = read_number(m, 'b', b);
          u.need_daemon_reload = b != 0;
          return r;
        }}},
      {"LoadError",
       {"(ss)",
        [&](sd_bus_message* m) {
          return read_struct(m, "ss", [&] {
            std::string name;
            int r = read_string(m, 's', name);
            if (r >= 0) r = read_string(m, 's', u.load_error);
            if (name.empty()) u.load_error.clear();
            return r;
          });
        }}},
  };
}

std::map<std::string_view, Property> service_properties(UnitRuntime& u) {
  return {
      {"Environment", {"as", [&](sd_bus_message* m) { return read_strings(m, u.environment); }}},
      {"UnsetEnvironment",
       {"as", [&](sd_bus_message* m) { return read_strings(m, u.unset_environment); }}},
      {"EnvironmentFiles",
       {"a(sb)",
        [&](sd_bus_message* m) {
          u.environment_files.clear();
          return read_array(m, "(sb)", [&] {
            return read_struct(m, "sb", [&] {
              RuntimeEnvFile f;
              int optional = 0;
              int r = read_string(m, 's', f.path);
              if (r >= 0) r = read_number(m, 'b', optional);
              f.optional = optional != 0;
              u.environment_files.push_back(std::move(f));
              return r;
            });
          });
        }}},
      {"User", {"s", [&](sd_bus_message* m) { return read_string(m, 's', u.user); }}},
      {"MainPID", {"u", [&](sd_bus_message* m) { return read_number(m, 'u', u.main_pid); }}},
      {"ExecMainStartTimestamp",
       {"t", [&](sd_bus_message* m) { return read_number(m, 't', u.exec_main_start_usec); }}},
      {"ExecStart",
       {"a(sasbttttuii)",
        [&](sd_bus_message* m) {
          u.exec_start.clear();
          bool first = true;
          return read_array(m, "(sasbttttuii)", [&] {
            return read_struct(m, "sasbttttuii", [&] {
              std::string path;
              int r = read_string(m, 's', path);
              if (r >= 0) r = sd_bus_message_skip(m, "asbttttuii");
              if (first) u.exec_start = std::move(path);
              first = false;
              return r;
            });
          });
        }}},
  };
}

}  // namespace

bool dbus_supported() { return true; }

Expected<UnitRuntime> query_unit(const std::string& bus_address, const std::string& unit,
                                 Duration timeout) {
  const Deadline deadline(timeout);
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  BusPtr bus(raw);
  if (r >= 0) r = sd_bus_set_address(bus.get(), bus_address.c_str());
  if (r >= 0) r = sd_bus_set_bus_client(bus.get(), 1);
  if (r >= 0) r = sd_bus_start(bus.get());
  if (r >= 0) r = wait_ready(bus.get(), deadline);
  if (r < 0) return make_error("connecting to " + bus_address + ": " + errno_text(r));

  auto loaded = call(bus.get(), deadline, "LoadUnit(" + unit + ")", kManagerPath, kManager,
                     "LoadUnit", {unit.c_str()});
  if (!loaded) return loaded.error();
  std::string path;
  r = read_string(loaded->get(), 'o', path);
  if (r < 0) return make_error("LoadUnit(" + unit + "): unexpected reply: " + errno_text(r));

  UnitRuntime u;
  const std::string what = "GetAll(" + unit + ")";
  auto unit_props = call(bus.get(), deadline, what, path.c_str(), kProperties, "GetAll",
                         {"org.freedesktop.systemd1.Unit"});
  if (!unit_props) return unit_props.error();
  if (auto ok = read_properties(unit_props->get(), what, unit_properties(u)); !ok) {
    return ok.error();
  }
  if (u.id.size() > 8 && u.id.compare(u.id.size() - 8, 8, ".service") == 0) {
    auto service_props = call(bus.get(), deadline, what, path.c_str(), kProperties, "GetAll",
                              {"org.freedesktop.systemd1.Service"});
    if (!service_props) return service_props.error();
    if (auto ok = read_properties(service_props->get(), what, service_properties(u)); !ok) {
      return ok.error();
    }
  }
  auto stamp = call(bus.get(), deadline, "Get(UnitsLoadTimestamp)", kManagerPath, kProperties,
                    "Get", {kManager, "UnitsLoadTimestamp"});
  if (!stamp) return stamp.error();
  r = sd_bus_message_enter_container(stamp->get(), 'v', "t");
  if (r > 0) r = read_number(stamp->get(), 't', u.units_load_usec);
  if (r <= 0) {
    return make_error("Get(UnitsLoadTimestamp): unexpected reply: " + errno_text(r ? r : EBADMSG));
  }
  return u;
}

#endif

}  // namespace llmon::tuning
