// systemd's D-Bus API (org.freedesktop.systemd1(5)) over our own client (dbus_connection.hpp):
// libsystemd's sd-bus would map ~1.2 MiB of libraries into llmon for these few calls.
#include "collectors/tuning/systemd_dbus.hpp"

#include <functional>
#include <map>
#include <string_view>

#include "collectors/tuning/dbus_connection.hpp"

namespace llmon::tuning {

namespace {

using dbus::Reader;

constexpr std::size_t kMaxArray = 4096;  // entries per array property we copy
constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";

struct Property {
  const char* signature;
  std::function<bool(Reader&)> read;  // false: r.error() says why
};

// Reads an array whose elements start with `element`, calling `each` per element.
bool read_array(Reader& r, char element, const std::function<bool()>& each) {
  std::size_t end = 0;
  if (!r.begin_array(element, end)) return false;
  for (std::size_t n = 0; r.pos() < end; ++n) {
    if (n == kMaxArray) return r.fail("more than " + std::to_string(kMaxArray) + " entries");
    if (!each()) return false;
  }
  return r.end_array(end);
}

bool read_strings(Reader& r, std::vector<std::string>& out) {
  out.clear();
  return read_array(r, 's', [&] {
    out.emplace_back();
    return r.string(out.back());
  });
}

// Reads a{sv}, dispatching the properties we know (checking their type) and skipping the rest.
Expected<bool> read_properties(const dbus::Message& m, const std::string& what,
                               const std::map<std::string_view, Property>& known) {
  const auto fail = [&](const std::string& why) { return make_error(what + ": " + why); };
  if (m.signature != "a{sv}") {
    return fail("reply is not a property list: signature '" + m.signature + "'");
  }
  Reader r(m.body, m.big_endian);
  std::size_t end = 0;
  r.begin_array('{', end);
  while (r.ok() && r.pos() < end) {
    std::string name, type;
    if (!r.align(8) || !r.string(name) || !r.signature(type)) break;
    const auto it = known.find(name);
    if (it == known.end()) {
      r.skip(type);  // parse_message checked the body against its signature
      continue;
    }
    if (type != it->second.signature) {
      return fail("property " + name + " has type '" + type + "', expected '" +
                  it->second.signature + "'");
    }
    if (!it->second.read(r)) return fail("cannot read property " + name + ": " + r.error());
  }
  r.end_array(end);
  if (!r.ok()) return fail("malformed property list: " + r.error());
  return true;
}

std::map<std::string_view, Property> unit_properties(UnitRuntime& u) {
  return {
      {"Id", {"s", [&](Reader& r) { return r.string(u.id); }}},
      {"LoadState", {"s", [&](Reader& r) { return r.string(u.load_state); }}},
      {"ActiveState", {"s", [&](Reader& r) { return r.string(u.active_state); }}},
      {"SubState", {"s", [&](Reader& r) { return r.string(u.sub_state); }}},
      {"FragmentPath", {"s", [&](Reader& r) { return r.string(u.fragment_path); }}},
      {"DropInPaths", {"as", [&](Reader& r) { return read_strings(r, u.dropin_paths); }}},
      {"NeedDaemonReload", {"b", [&](Reader& r) { return r.boolean(u.need_daemon_reload); }}},
      {"LoadError",
       {"(ss)",
        [&](Reader& r) {
          std::string name;
          const bool ok = r.align(8) && r.string(name) && r.string(u.load_error);
          if (name.empty()) u.load_error.clear();
          return ok;
        }}},
  };
}

std::map<std::string_view, Property> service_properties(UnitRuntime& u) {
  return {
      {"Environment", {"as", [&](Reader& r) { return read_strings(r, u.environment); }}},
      {"UnsetEnvironment", {"as", [&](Reader& r) { return read_strings(r, u.unset_environment); }}},
      {"EnvironmentFiles",
       {"a(sb)",
        [&](Reader& r) {
          u.environment_files.clear();
          return read_array(r, '(', [&] {
            RuntimeEnvFile& f = u.environment_files.emplace_back();
            return r.align(8) && r.string(f.path) && r.boolean(f.optional);
          });
        }}},
      {"User", {"s", [&](Reader& r) { return r.string(u.user); }}},
      {"MainPID", {"u", [&](Reader& r) { return r.u32(u.main_pid); }}},
      {"ExecMainStartTimestamp", {"t", [&](Reader& r) { return r.u64(u.exec_main_start_usec); }}},
      {"ExecStart",
       {"a(sasbttttuii)",
        [&](Reader& r) {
          u.exec_start.clear();
          bool first = true;
          return read_array(r, '(', [&] {
            std::string path;
            const bool ok = r.align(8) && r.string(path) && r.skip("asbttttuii");
            if (first) u.exec_start = std::move(path);
            first = false;
            return ok;
          });
        }}},
  };
}

// The one value of a reply of signature `signature`, or the error "what: unexpected reply".
Expected<Reader> single_value(const dbus::Message& m, const std::string& what,
                              std::string_view signature) {
  if (m.signature != signature) {
    return make_error(what + ": unexpected reply of signature '" + m.signature + "'");
  }
  return Reader(m.body, m.big_endian);
}

}  // namespace

bool dbus_supported() { return true; }

Expected<UnitRuntime> query_unit(const std::string& bus_address, const std::string& unit,
                                 Duration timeout) {
  const dbus::Deadline deadline(timeout);
  auto bus = dbus::Connection::open(bus_address, deadline);
  if (!bus) return bus.error();
  const auto call = [&](const std::string& what, std::string_view path, std::string_view interface,
                        std::string_view member,
                        std::initializer_list<std::string_view> args) -> Expected<dbus::Message> {
    auto reply = bus.value().call(kDestination, path, interface, member, args, deadline);
    if (!reply) return make_error(what + ": " + reply.error().message);
    return reply;
  };

  const std::string load = "LoadUnit(" + unit + ")";
  auto loaded = call(load, kManagerPath, kManager, "LoadUnit", {unit});
  if (!loaded) return loaded.error();
  auto object = single_value(*loaded, load, "o");
  if (!object) return object.error();
  std::string path;
  if (!object.value().string(path)) return make_error(load + ": " + object->error());

  UnitRuntime u;
  const std::string what = "GetAll(" + unit + ")";
  auto unit_props = call(what, path, kProperties, "GetAll", {"org.freedesktop.systemd1.Unit"});
  if (!unit_props) return unit_props.error();
  if (auto ok = read_properties(*unit_props, what, unit_properties(u)); !ok) return ok.error();
  if (u.id.size() > 8 && u.id.compare(u.id.size() - 8, 8, ".service") == 0) {
    auto service_props =
        call(what, path, kProperties, "GetAll", {"org.freedesktop.systemd1.Service"});
    if (!service_props) return service_props.error();
    if (auto ok = read_properties(*service_props, what, service_properties(u)); !ok) {
      return ok.error();
    }
  }
  const std::string get = "Get(UnitsLoadTimestamp)";
  auto stamp = call(get, kManagerPath, kProperties, "Get", {kManager, "UnitsLoadTimestamp"});
  if (!stamp) return stamp.error();
  auto value = single_value(*stamp, get, "v");
  if (!value) return value.error();
  std::string type;
  Reader& r = value.value();
  if (!r.signature(type) || type != "t" || !r.u64(u.units_load_usec)) {
    return make_error(
        get + ": unexpected reply: " + (r.ok() ? "a variant of '" + type + "'" : r.error()));
  }
  return u;
}

}  // namespace llmon::tuning
