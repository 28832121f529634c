// sandbox_probe: run as ExecStart= of a copy of llmon.service (same sandbox, see
// test_service.sh), it checks from the inside what each hardening line does and that
// everything llmon needs still works. One line per check, "ok: ..." or "FAIL: ...", then
// "probe: N checks, M failed"; exit 1 when any failed. A line is "ok: LABEL [DETAIL]"; a
// LABEL starting with a setting ("PrivateTmp=yes: ...") is that setting's check, and must
// fail when the setting is off (test_service.sh runs the probe a second time, relaxed).
//
// A check proves a setting only where the kernel would otherwise allow the operation to an
// unprivileged process (setpriority, personality, unshare(CLONE_NEWUSER), ...): for settings
// whose effect an unprivileged process cannot tell apart from plain permission denial, the
// probe compares namespaces or mounts with those of pid 1 instead.
//
// Environment: PROBE_INIT_NS (pid 1's user, ipc and uts namespaces), PROBE_OLLAMA_PORT (loopback
// port of the stand-in Ollama, optional), PROBE_OLLAMA_PID (its pid),
// PROBE_EXPECT_ENVIRON=readable|denied, PROBE_MARKERS (directory of marker files the test created
// outside the sandbox).
#include <asm/unistd.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

int checks = 0;
int failures = 0;

void check(bool ok, const std::string& what, const std::string& detail = "") {
  ++checks;
  if (!ok) ++failures;
  std::printf("%s: %s%s%s%s\n", ok ? "ok" : "FAIL", what.c_str(), detail.empty() ? "" : " [",
              detail.c_str(), detail.empty() ? "" : "]");
}

std::string errno_text(int e) { return e == 0 ? "succeeded" : std::strerror(e); }

// Runs `op` (returning -1 and setting errno on failure) and reports errno, 0 on success.
template <typename Op>
int errno_of(Op op) {
  errno = 0;
  return op() == -1 ? errno : 0;
}

// errno_of in a child process, for calls that would change the probe itself when allowed
// (PTRACE_TRACEME makes it stop at its next signal, SCHED_FIFO).
template <typename Op>
int in_child(Op op) {
  const pid_t child = fork();
  if (child == 0) _exit(errno_of(op) & 0xff);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string status_field(const std::string& name) {
  std::istringstream in(read_file("/proc/self/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      const auto v = line.find_first_not_of(" \t", name.size() + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  }
  return "";
}

std::string own_ns(const std::string& ns) {
  char buf[128] = {};
  const ssize_t n = readlink(("/proc/self/ns/" + ns).c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

// Namespaces of the container's pid 1, as "user:[4026531837] ipc:[...]" in PROBE_INIT_NS:
// an unprivileged process may not read /proc/1/ns itself.
bool same_ns_as_init(const std::string& ns) {
  const char* init = std::getenv("PROBE_INIT_NS");
  const std::string mine = own_ns(ns);
  return init && !mine.empty() &&
         (" " + std::string(init) + " ").find(" " + mine + " ") != std::string::npos;
}

struct Mount {
  std::string point;
  bool read_only;
};

std::vector<Mount> mounts(const std::string& pid) {
  std::vector<Mount> out;
  std::istringstream in(read_file("/proc/" + pid + "/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point, opts;
    fields >> id >> parent >> dev >> root >> point >> opts;
    out.push_back({point, opts.rfind("ro", 0) == 0});
  }
  return out;
}

bool under(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.rfind(prefix, 0) == 0 && (prefix == "/" || path[prefix.size()] == '/'));
}

// Every mount at or below `prefix` is read-only for us. Says whether it was writable for the
// container's pid 1, i.e. whether the unit (and not the container) made it read-only.
void check_read_only(const std::string& prefix, const std::string& what) {
  bool all_ro = true, found = false, rw_outside = false;
  std::string writable;
  for (const Mount& m : mounts("self")) {
    if (!under(m.point, prefix)) continue;
    found = true;
    if (!m.read_only) all_ro = false, writable = m.point;
  }
  // The mount a path resolves to may be above it (no mount at the prefix itself).
  if (!found) {
    std::string best;
    bool best_ro = false;
    for (const Mount& m : mounts("self")) {
      if (under(prefix, m.point) && m.point.size() >= best.size())
        best = m.point, best_ro = m.read_only;
    }
    all_ro = best_ro;
    writable = best;
  }
  for (const Mount& m : mounts("1")) {
    if ((under(m.point, prefix) || under(prefix, m.point)) && !m.read_only) rw_outside = true;
  }
  check(all_ro, what,
        all_ro
            ? (rw_outside ? "writable outside the unit" : "read-only for the whole container too")
            : writable + " is writable");
}

bool readable(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char c;
  const bool ok = read(fd, &c, 1) >= 0;
  close(fd);
  return ok;
}

void file_system() {
  const char* state = std::getenv("STATE_DIRECTORY");
  check(state != nullptr, "the state directory is in $STATE_DIRECTORY (StateDirectory=)");
  const std::string file = std::string(state ? state : "/nonexistent") + "/probe";
  unlink(file.c_str());  // a former run's file keeps its mode
  const int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
  check(fd >= 0, "the state directory is writable", fd >= 0 ? "" : errno_text(errno));
  if (fd >= 0) close(fd);
  struct stat st {};
  stat(file.c_str(), &st);
  check((st.st_mode & 0777) == 0600, "UMask=0077: a file created 0666 is 0600");
  check(status_field("Umask") == "0077", "UMask=0077: /proc/self/status Umask",
        status_field("Umask"));
  // RestrictSUIDSGID: chmod u+s on one's own file is allowed to anyone, unless filtered.
  check(errno_of([&] { return chmod(file.c_str(), 04700); }) == EPERM,
        "RestrictSUIDSGID=yes: chmod u+s on an own file fails with EPERM");

  for (const char* path : {"/usr/llmon-probe", "/etc/llmon-probe", "/var/lib/dpkg/llmon-probe"}) {
    const int e = errno_of([&] { return open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600); });
    check(e == EROFS, std::string("ProtectSystem=strict: ") + path + " is read-only",
          errno_text(e));
  }
  // ConfigurationDirectory= is mounted writable even under ProtectSystem=strict: only its
  // owner (root, 0755) keeps llmon from changing its configuration.
  const int e =
      errno_of([] { return open("/etc/llmon/llmon-probe", O_CREAT | O_WRONLY | O_CLOEXEC, 0600); });
  check(e == EACCES || e == EROFS, "/etc/llmon (ConfigurationDirectory=) is not writable",
        errno_text(e));
  check_read_only("/usr", "ProtectSystem=strict: /usr is mounted read-only");
  check_read_only("/etc/systemd", "ProtectSystem=strict: /etc is mounted read-only");
  const std::string markers = std::getenv("PROBE_MARKERS") ? std::getenv("PROBE_MARKERS") : "";
  bool root_covered = false, home_covered = false;
  for (const Mount& m : mounts("self")) {
    root_covered = root_covered || m.point == "/root";
    home_covered = home_covered || m.point == "/home";
  }
  check(!readable("/root/llmon-probe-marker") && root_covered,
        "ProtectHome=yes: /root is covered and hidden");
  check(!readable("/home/llmon-probe/marker") && home_covered,
        "ProtectHome=yes: /home is covered and hidden");
  check(!readable("/tmp/llmon-probe-marker"), "PrivateTmp=yes: the host's /tmp is not visible");
  const int tmp = open("/tmp/llmon-probe-own", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  check(tmp >= 0, "the private /tmp is writable");
  if (tmp >= 0) close(tmp);

  check_read_only("/proc/sys", "ProtectKernelTunables=yes: /proc/sys is read-only");
  check_read_only("/sys", "ProtectKernelTunables=yes: /sys is read-only");
  check_read_only("/sys/fs/cgroup", "ProtectControlGroups=yes: /sys/fs/cgroup is read-only");
  check(!readable("/usr/lib/modules/llmon-probe-marker"),
        "ProtectKernelModules=yes: /usr/lib/modules is inaccessible");
  bool kmsg_covered = false;
  for (const Mount& m : mounts("self")) kmsg_covered = kmsg_covered || m.point == "/proc/kmsg";
  check(!readable("/proc/kmsg") && kmsg_covered,
        "ProtectKernelLogs=yes: /proc/kmsg is covered and unreadable");
}

void devices() {
  check(access("/dev/kmsg", F_OK) != 0, "ProtectKernelLogs=yes: no /dev/kmsg");
  check(access("/dev/llmon-probe-device", F_OK) != 0,
        "PrivateDevices=yes: a device node of the host /dev is not there");
  check(access("/dev/null", W_OK) == 0 && access("/dev/urandom", R_OK) == 0,
        "/dev/null and /dev/urandom are there");
  // The ROCm SMI library keeps its per-GPU mutexes in /dev/shm, shared with every other user
  // of the library on the machine: it must be the host's /dev/shm, and writable.
  check(readable("/dev/shm/llmon-probe-shared"),
        "/dev/shm is the host's: the rocm_smi mutexes are shared with other processes");
  const int shm = open("/dev/shm/llmon-probe-own", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  check(shm >= 0, "/dev/shm is writable (rocm_smi creates /dev/shm/rocm_smi_card<N>)",
        shm >= 0 ? "" : errno_text(errno));
  if (shm >= 0) close(shm);
}

void privileges() {
  check(status_field("NoNewPrivs") == "1", "NoNewPrivileges=yes: NoNewPrivs is 1");
  check(status_field("CapBnd") == "0000000000000000", "CapabilityBoundingSet=: empty",
        status_field("CapBnd"));
  check(status_field("CapEff") == "0000000000000000", "no effective capabilities");
  const char* user = std::getenv("USER");
  const std::string want = std::getenv("PROBE_USER") ? std::getenv("PROBE_USER") : "llmon";
  check(getuid() != 0 && user && want == user, "runs as the " + want + " user, not root",
        user ? user : "");
  if (std::getenv("PROBE_NO_PRIVATE_USERS")) {
    check(same_ns_as_init("user"),
          "the drop-in's PrivateUsers=no: the host's user namespace, as the ptrace rule needs");
  } else {
    check(std::getenv("PROBE_INIT_NS") && !same_ns_as_init("user"),
          "PrivateUsers=yes: a user namespace of its own");
  }
  check(std::getenv("PROBE_INIT_NS") && !same_ns_as_init("ipc"),
        "PrivateIPC=yes: an IPC namespace of its own");
  check(std::getenv("PROBE_INIT_NS") && !same_ns_as_init("uts"),
        "ProtectHostname=yes: a UTS namespace of its own");
}

void syscalls() {
  // nspawn filters the whole container: the unit's filters come on top of pid 1's.
  auto filters = [](const std::string& status) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Seccomp_filters:", 0) == 0)
        return std::strtol(line.c_str() + 16, nullptr, 10);
    }
    return -1L;
  };
  const long own = filters(read_file("/proc/self/status"));
  const long init = filters(read_file("/proc/1/status"));
  check(own > init, "SystemCallFilter=: seccomp filters of its own",
        std::to_string(own) + " filters, pid 1 has " + std::to_string(init));
  // Each of these is allowed to an unprivileged process by the kernel itself.
  check(errno_of([] { return setpriority(PRIO_PROCESS, 0, 19); }) == EPERM,
        "SystemCallFilter=~@resources: setpriority is refused");
  check(in_child([] { return static_cast<int>(syscall(SYS_ptrace, 0 /*TRACEME*/, 0, 0, 0)); }) ==
            EPERM,
        "SystemCallFilter=@system-service: ptrace (@debug) is refused");
  check(errno_of([] { return setuid(getuid()); }) == EPERM,
        "SystemCallFilter=~@privileged: setuid is refused");
  timex tx{};
  check(errno_of([&] { return adjtimex(&tx); }) == EPERM,
        "ProtectClock=yes: even a read-only adjtimex is refused");
  check(errno_of([] { return personality(PER_LINUX32); }) == EPERM,
        "LockPersonality=yes: personality(PER_LINUX32) is refused");
  check(errno_of([] { return unshare(CLONE_NEWUSER); }) == EPERM,
        "RestrictNamespaces=yes: unshare(CLONE_NEWUSER) is refused");
  sched_param sp{};
  sp.sched_priority = 1;
  check(in_child([&] { return sched_setscheduler(0, SCHED_FIFO, &sp); }) == EPERM,
        "RestrictRealtime=yes: SCHED_FIFO is refused (the probe has LimitRTPRIO=99)");
  void* wx =
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  check(wx == MAP_FAILED && errno == EPERM, "MemoryDenyWriteExecute=yes: no W+X mapping");
  void* w = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  check(errno_of([&] { return mprotect(w, 4096, PROT_READ | PROT_EXEC); }) == EPERM,
        "MemoryDenyWriteExecute=yes: a written page cannot become executable");
  // The i386 entry point (int 0x80) from a 64-bit process: not the native architecture.
  // In a child, as the filter may kill instead of failing the call.
  const pid_t child = fork();
  if (child == 0) {
    long ret = 0;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20 /* i386 getpid */) : "memory");
    _exit(ret < 0 ? 1 : 0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  check(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
        "SystemCallArchitectures=native: an i386 system call is refused",
        WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                            : "exit " + std::to_string(WEXITSTATUS(status)));
}

void network() {
  check(socket(AF_INET, SOCK_STREAM, 0) >= 0 && socket(AF_INET6, SOCK_STREAM, 0) >= 0 &&
            socket(AF_UNIX, SOCK_STREAM, 0) >= 0,
        "AF_INET, AF_INET6 and AF_UNIX sockets work");
  check(errno_of([] { return socket(AF_NETLINK, SOCK_RAW, 0); }) == EAFNOSUPPORT,
        "RestrictAddressFamilies=: AF_NETLINK is refused");
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  check(bind(s, reinterpret_cast<sockaddr*>(&any), sizeof(any)) == 0 && listen(s, 1) == 0,
        "listening on TCP works");
  const char* port = std::getenv("PROBE_OLLAMA_PORT");
  if (port) {
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in lo{};
    lo.sin_family = AF_INET;
    lo.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool connected = connect(c, reinterpret_cast<sockaddr*>(&lo), sizeof(lo)) == 0;
    check(connected, "Ollama answers on loopback", connected ? "" : errno_text(errno));
  }
}

void what_llmon_reads() {
  check(readable("/proc/1/stat") && readable("/proc/1/cmdline"),
        "another user's /proc/<pid>/stat and cmdline are readable (no ProtectProc=)");
  check(readable("/proc/meminfo"), "/proc/meminfo is readable (no ProcSubset=pid)");
  if (const char* pid = std::getenv("PROBE_OLLAMA_PID")) {
    const std::string p(pid);
    check(readable("/proc/" + p + "/stat") && readable("/proc/" + p + "/cmdline"),
          "Ollama's /proc/<pid>/stat and cmdline are readable");
    const std::string expect =
        std::getenv("PROBE_EXPECT_ENVIRON") ? getenv("PROBE_EXPECT_ENVIRON") : "";
    if (expect == "readable") {
      const std::string env = read_file("/proc/" + p + "/environ");
      check(env.find("OLLAMA_KEEP_ALIVE=") != std::string::npos,
            "Ollama's /proc/<pid>/environ is readable (OLLAMA_KEEP_ALIVE is in it)");
    } else if (expect == "denied") {
      check(!readable("/proc/" + p + "/environ"),
            "Ollama's /proc/<pid>/environ is denied (another user)");
    }
  }
  for (const char* dir :
       {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system"}) {
    check(access(dir, R_OK | X_OK) == 0, std::string("unit files under ") + dir + " are readable");
  }
  check(readable("/usr/lib/systemd/system/llmon.service"), "a unit file is readable");
  check(readable("/sys/kernel/mm/transparent_hugepage/enabled") || access("/sys/class", R_OK) == 0,
        "/sys is readable");

  // The system bus: the same calls the tuning-drift checks make, answered by systemd.
  sd_bus* bus = nullptr;
  int r = sd_bus_open_system(&bus);
  check(r >= 0, "the system D-Bus socket accepts us", r < 0 ? std::strerror(-r) : "");
  if (r >= 0) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                           "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s",
                           "dbus.service");
    const char* path = nullptr;
    if (r >= 0) r = sd_bus_message_read(reply, "o", &path);
    check(r >= 0, "systemd answers GetUnit over D-Bus",
          error.message ? error.message : (r < 0 ? std::strerror(-r) : ""));
    char* state = nullptr;
    if (path) {
      r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path,
                                     "org.freedesktop.systemd1.Unit", "ActiveState", &error,
                                     &state);
      check(r >= 0 && state && std::string(state) == "active",
            "a unit property (ActiveState) is readable over D-Bus", state ? state : "");
    }
    std::free(state);
    // What the tuning-drift checks read about Ollama's unit: its drop-ins and environment.
    if (const char* unit = std::getenv("PROBE_DBUS_UNIT")) {
      sd_bus_message* r2 = nullptr;
      const char* unit_path = nullptr;
      int rc = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "LoadUnit", &error, &r2, "s",
                                  unit);
      if (rc >= 0) rc = sd_bus_message_read(r2, "o", &unit_path);
      char** dropins = nullptr;
      char** environment = nullptr;
      if (rc >= 0) {
        sd_bus_get_property_strv(bus, "org.freedesktop.systemd1", unit_path,
                                 "org.freedesktop.systemd1.Unit", "DropInPaths", &error, &dropins);
        sd_bus_get_property_strv(bus, "org.freedesktop.systemd1", unit_path,
                                 "org.freedesktop.systemd1.Service", "Environment", &error,
                                 &environment);
      }
      std::string joined_dropins, joined_env;
      for (char** d = dropins; d && *d; ++d) joined_dropins += std::string(*d) + " ";
      for (char** e = environment; e && *e; ++e) joined_env += std::string(*e) + " ";
      check(!joined_dropins.empty(), std::string(unit) + ": DropInPaths over D-Bus",
            joined_dropins);
      check(joined_env.find("OLLAMA_KEEP_ALIVE=") != std::string::npos,
            std::string(unit) + ": Environment over D-Bus", joined_env);
      for (char** d = dropins; d && *d; ++d) {
        check(readable(*d), std::string("its drop-in ") + *d + " is readable");
      }
      for (char** d = dropins; d && *d; ++d) std::free(*d);
      for (char** e = environment; e && *e; ++e) std::free(*e);
      std::free(dropins);
      std::free(environment);
      sd_bus_message_unref(r2);
    }
    sd_bus_message_unref(reply);
    sd_bus_error_free(&error);
    sd_bus_unref(bus);
  }
}

}  // namespace

int main() {
  file_system();
  devices();
  privileges();
  syscalls();
  network();
  what_llmon_reads();
  std::printf("probe: %d checks, %d failed\n", checks, failures);
  std::fflush(stdout);
  return failures == 0 ? 0 : 1;
}
