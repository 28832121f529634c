// query_unit against a private dbus-daemon with a stand-in org.freedesktop.systemd1 written with
// sd-bus: the reply handling, type checks, errors and timeouts. The real systemd is tested in
// tests/e2e/systemd/test_units.sh.
#include <doctest/doctest.h>

#include "collectors/tuning/systemd_dbus.hpp"

#ifdef LLMON_HAVE_SYSTEMD
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

using namespace llmon;
using namespace llmon::tuning;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

extern char** environ;

namespace {

// A dbus-daemon of our own on a socket in a temporary directory: anyone may own any name, and
// nothing is activated on demand (so "no systemd" stays a plain ServiceUnknown).
class PrivateBus {
 public:
  PrivateBus() {
    std::string tmpl = (fs::temp_directory_path() / "llmon-bus-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    address_ = "unix:path=" + (dir_ / "bus").string();
    std::ofstream(dir_ / "bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>session</type><listen>"
        << address_
        << "</listen><auth>EXTERNAL</auth><policy context=\"default\">"
           "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
           "<allow own=\"*\"/></policy></busconfig>\n";
    const std::string config_arg = "--config-file=" + (dir_ / "bus.conf").string();
    const char* argv[] = {"dbus-daemon", "--nofork", "--nopidfile", config_arg.c_str(), nullptr};
    posix_spawn_file_actions_t quiet;  // its warnings (fd limits as root) are noise here
    ::posix_spawn_file_actions_init(&quiet);
    ::posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    const int spawned =
        ::posix_spawnp(&pid_, "dbus-daemon", &quiet, nullptr, const_cast<char**>(argv), environ);
    ::posix_spawn_file_actions_destroy(&quiet);
    REQUIRE_MESSAGE(spawned == 0, "dbus-daemon (Debian package dbus-daemon) is needed");
    // The socket file appears at bind(), a moment before the daemon listens: wait until a
    // connection is accepted, not until the file exists (a loaded machine hits the gap).
    bool accepting = false;
    for (int i = 0; i < 500 && !(accepting = accepts(dir_ / "bus")); ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (!accepting) stop();
    REQUIRE(accepting);
  }
  ~PrivateBus() { stop(); }
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;
  const std::string& address() const { return address_; }

 private:
  static bool accepts(const fs::path& socket_path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = socket_path.string();
    if (path.size() >= sizeof addr.sun_path) {
      ::close(fd);
      return false;
    }
    path.copy(addr.sun_path, path.size());
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = 0;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  std::string address_;
  pid_t pid_ = 0;
};

enum class Mode { kGood, kWrongType, kNoSuchUnit, kSilent };

// Owns org.freedesktop.systemd1 on the private bus and answers LoadUnit, GetAll and Get the
// way systemd 252 does (or, per Mode, wrongly), from its own thread.
class FakeSystemd {
 public:
  FakeSystemd(const std::string& address, Mode mode) : mode_(mode) {
    std::promise<bool> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, address, &ready] { run(address, ready); });
    const bool ok = started.get();
    if (!ok) thread_.join();
    REQUIRE(ok);
  }
  ~FakeSystemd() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;

 private:
  void run(const std::string& address, std::promise<bool>& ready) {
    sd_bus* bus = nullptr;
    bool ok = sd_bus_new(&bus) >= 0 && sd_bus_set_address(bus, address.c_str()) >= 0 &&
              sd_bus_set_bus_client(bus, 1) >= 0 && sd_bus_start(bus) >= 0 &&
              sd_bus_request_name(bus, "org.freedesktop.systemd1", 0) >= 0 &&
              sd_bus_add_fallback(bus, nullptr, "/", &FakeSystemd::handle, this) >= 0;
    ready.set_value(ok);
    while (ok && !stop_) {
      while (sd_bus_process(bus, nullptr) > 0) {
      }
      sd_bus_wait(bus, 20000);
    }
    sd_bus_close_unref(bus);
  }

  static int handle(sd_bus_message* m, void* self, sd_bus_error*) {
    return static_cast<FakeSystemd*>(self)->reply(m);
  }

  int reply(sd_bus_message* m) {
    const std::string member = sd_bus_message_get_member(m);
    if (member == "LoadUnit") {
      if (mode_ == Mode::kNoSuchUnit) {
        return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit",
                                          "Unit ollama.service not found.");
      }
      return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1/unit/ollama_2eservice");
    }
    if (member == "Get") {
      return sd_bus_reply_method_return(m, "v", "t", std::uint64_t{1700000000000001});
    }
    if (member != "GetAll") return 0;
    if (mode_ == Mode::kSilent) return 1;  // never answer
    const char* interface = nullptr;
    sd_bus_message_read(m, "s", &interface);
    sd_bus_message* r = nullptr;
    sd_bus_message_new_method_return(m, &r);
    sd_bus_message_open_container(r, 'a', "{sv}");
    if (std::string(interface) == "org.freedesktop.systemd1.Unit") {
      sd_bus_message_append(r, "{sv}", "Id", "s", "ollama.service");
      sd_bus_message_append(r, "{sv}", "Names", "as", 1, "ollama.service");  // skipped
      sd_bus_message_append(r, "{sv}", "LoadState", "s", "loaded");
      sd_bus_message_append(r, "{sv}", "LoadError", "(ss)", "", "");
      sd_bus_message_append(r, "{sv}", "ActiveState", "s", "active");
      sd_bus_message_append(r, "{sv}", "SubState", "s", "running");
      sd_bus_message_append(r, "{sv}", "FragmentPath", "s", "/etc/systemd/system/ollama.service");
      sd_bus_message_append(r, "{sv}", "DropInPaths", "as", 1,
                            "/etc/systemd/system/ollama.service.d/override.conf");
      sd_bus_message_append(r, "{sv}", "Conditions", "a(sbbsi)", 1, "ConditionPathExists", 0, 0,
                            "/x", 0);  // a structure we skip
      if (mode_ == Mode::kWrongType) {
        sd_bus_message_append(r, "{sv}", "NeedDaemonReload", "s", "yes");
      } else {
        sd_bus_message_append(r, "{sv}", "NeedDaemonReload", "b", 1);
      }
    } else {
      sd_bus_message_append(r, "{sv}", "Environment", "as", 2, "OLLAMA_NUM_PARALLEL=2",
                            "HSA_OVERRIDE_GFX_VERSION=11.5.1");
      sd_bus_message_append(r, "{sv}", "EnvironmentFiles", "a(sb)", 2, "/etc/default/ollama", 1,
                            "/etc/ollama.env", 0);
      sd_bus_message_append(r, "{sv}", "UnsetEnvironment", "as", 1, "OLLAMA_DEBUG");
      sd_bus_message_append(r, "{sv}", "User", "s", "ollama");
      sd_bus_message_append(r, "{sv}", "MainPID", "u", std::uint32_t{812});
      sd_bus_message_append(r, "{sv}", "ExecMainStartTimestamp", "t",
                            std::uint64_t{1699999999000000});
      sd_bus_message_append(r, "{sv}", "ExecStart", "a(sasbttttuii)", 1, "/usr/bin/ollama", 2,
                            "/usr/bin/ollama", "serve", 0, std::uint64_t{0}, std::uint64_t{0},
                            std::uint64_t{0}, std::uint64_t{0}, std::uint32_t{0}, 0, 0);
    }
    sd_bus_message_close_container(r);
    const int sent = sd_bus_send(nullptr, r, nullptr);
    sd_bus_message_unref(r);
    return sent;
  }

  Mode mode_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("query_unit: reads the Unit, Service and Manager properties systemd replies") {
  CHECK(dbus_supported());
  PrivateBus bus;
  FakeSystemd systemd(bus.address(), Mode::kGood);
  const auto r = query_unit(bus.address(), "ollama.service", milliseconds(5000));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->id == "ollama.service");
  CHECK(r->load_state == "loaded");
  CHECK(r->load_error.empty());
  CHECK(r->active_state == "active");
  CHECK(r->sub_state == "running");
  CHECK(r->fragment_path == "/etc/systemd/system/ollama.service");
  CHECK(r->dropin_paths ==
        std::vector<std::string>{"/etc/systemd/system/ollama.service.d/override.conf"});
  CHECK(r->need_daemon_reload);
  CHECK(r->environment ==
        std::vector<std::string>{"OLLAMA_NUM_PARALLEL=2", "HSA_OVERRIDE_GFX_VERSION=11.5.1"});
  REQUIRE(r->environment_files.size() == 2);
  CHECK(r->environment_files[0].path == "/etc/default/ollama");
  CHECK(r->environment_files[0].optional);
  CHECK_FALSE(r->environment_files[1].optional);
  CHECK(r->unset_environment == std::vector<std::string>{"OLLAMA_DEBUG"});
  CHECK(r->user == "ollama");
  CHECK(r->exec_start == "/usr/bin/ollama");
  CHECK(r->main_pid == 812);
  CHECK(r->exec_main_start_usec == 1699999999000000);
  CHECK(r->units_load_usec == 1700000000000001);
}

TEST_CASE("query_unit: a property of an unexpected type is an error, not a crash") {
  PrivateBus bus;
  FakeSystemd systemd(bus.address(), Mode::kWrongType);
  const auto r = query_unit(bus.address(), "ollama.service", milliseconds(5000));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "GetAll(ollama.service): property NeedDaemonReload has type 's', expected 'b'");
}

TEST_CASE("query_unit: D-Bus errors come back with their name and message") {
  PrivateBus bus;
  SUBCASE("systemd's own error") {
    FakeSystemd systemd(bus.address(), Mode::kNoSuchUnit);
    const auto r = query_unit(bus.address(), "ollama.service", milliseconds(5000));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "LoadUnit(ollama.service): org.freedesktop.systemd1.NoSuchUnit: Unit ollama.service "
          "not found.");
  }
  SUBCASE("no systemd on the bus") {
    const auto r = query_unit(bus.address(), "ollama.service", milliseconds(5000));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("org.freedesktop.DBus.Error.ServiceUnknown") != std::string::npos);
  }
}

TEST_CASE("query_unit: never waits longer than its timeout") {
  SUBCASE("systemd does not answer") {
    PrivateBus bus;
    FakeSystemd systemd(bus.address(), Mode::kSilent);
    const auto start = std::chrono::steady_clock::now();
    const auto r = query_unit(bus.address(), "ollama.service", milliseconds(300));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("GetAll(ollama.service)") == 0);
    CHECK(seconds_since(start) < 2.0);
  }
  SUBCASE("a socket that accepts connections and never speaks") {
    std::string tmpl = (fs::temp_directory_path() / "llmon-mute-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    const std::string path = tmpl + "/sock";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    const auto start = std::chrono::steady_clock::now();
    const auto r = query_unit("unix:path=" + path, "ollama.service", milliseconds(300));
    const double took = seconds_since(start);
    ::close(fd);
    fs::remove_all(tmpl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("Connection timed out") != std::string::npos);
    CHECK(took < 2.0);
  }
}

TEST_CASE("query_unit: unreachable or malformed addresses") {
  auto r = query_unit("unix:path=/nonexistent/llmon/bus", "ollama.service", milliseconds(1000));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "connecting to unix:path=/nonexistent/llmon/bus: No such file or directory");
  r = query_unit("not an address", "ollama.service", milliseconds(1000));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("connecting to not an address: ") == 0);
}

#else

TEST_CASE("query_unit: without sd-bus it says so") {
  CHECK_FALSE(llmon::tuning::dbus_supported());
  const auto r = llmon::tuning::query_unit(llmon::tuning::kSystemBusAddress, "ollama.service",
                                           llmon::Duration(100));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "built without sd-bus");
}

#endif
