#pragma once
// What the tuning checks look at: plain snapshots of one box (host, GPUs) and of each Ollama
// instance (server process, systemd unit, runners, models), gathered by the tuning collector
// from files, D-Bus and the Ollama collector. Plain value types; the checks are pure functions
// of them, so every rule is tested without a box.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/tuning/kernel_params.hpp"

namespace llmon::tuning {

// One environment variable and where it came from ("override.conf:3", "/etc/default/ollama:2",
// "process").
struct EnvValue {
  std::string value;
  std::string origin;
};
using Environment = std::map<std::string, EnvValue>;

// The running `ollama serve` process.
struct ServerView {
  int pid = 0;
  std::optional<double> start_time;  // unix seconds
  std::optional<int> ppid;
  std::optional<std::string> cgroup;  // the unified-hierarchy path, "/system.slice/ollama.service"
  // Its environment, or why it could not be read (permission: the kernel's ptrace check).
  std::optional<Environment> environ;
  std::string environ_error;
};

// The instance's systemd unit as its files describe it and, when the bus answered, as systemd
// has it loaded.
struct UnitView {
  std::string name;  // "ollama.service"
  bool found = false;
  bool masked = false;
  std::vector<std::string> files;      // fragment, drop-ins, environment files (that exist)
  Environment environment;             // what the files give the service (after UnsetEnvironment=)
  std::optional<double> newest_mtime;  // unix seconds, over `files`
  std::string newest_file;
  std::vector<std::string> problems;  // unreadable files, syntax the parser skipped
  // From D-Bus; all absent without a bus.
  std::optional<bool> need_daemon_reload;
  std::optional<std::map<std::string, std::string>> loaded_environment;
  std::optional<int> main_pid;  // 0 when the unit is not running
  std::optional<double> main_start_time;
  std::string dbus_error;  // why the bus did not answer ("" when it did or was not asked)
};

// A model runner child of the server, with what its command line says (absent: not on it).
struct RunnerView {
  int pid = 0;
  std::string model;          // the /api/ps name when the weights blob matched one; "" when not
  std::string family;         // that model's details.family
  bool llama_server = false;  // >= 0.30 runner (settings on its command line)
  bool embedding = false;     // started as an embedding server
  std::optional<std::int64_t> parallel;
  std::optional<std::int64_t> context;  // total (-c), i.e. per-slot context x parallel
  std::optional<std::string> flash_attn;
  std::optional<std::string> kv_cache_type;
  std::optional<std::int64_t> gpu_layers;
  std::optional<double> resident_bytes;
  std::optional<double> cpu_seconds;
};

// A model in /api/ps.
struct ModelView {
  std::string name;
  std::string family;  // details.family
  std::int64_t size = 0;
  std::optional<std::int64_t> size_vram;
  bool embedding_only = false;  // /api/show capabilities lack "completion"
};

struct InstanceView {
  std::string name;  // the `ollama` label
  bool polled = false;
  bool up = false;
  std::string version;    // /api/version, "" when unknown
  std::string unit_name;  // [[ollama]] unit; "" = not run by systemd
  std::optional<ServerView> server;
  std::string server_error;      // why there is no server view
  std::optional<UnitView> unit;  // absent when unit_name is ""
  std::vector<RunnerView> runners;
  std::vector<ModelView> loaded;
  // Largest model on disk (/api/tags): name and bytes.
  std::optional<std::pair<std::string, std::int64_t>> largest_available;
  std::map<std::string, std::string> expect;  // [tuning.expect]
};

struct GpuView {
  std::string gpu;         // the `gpu` label
  std::string card;        // "card1", "" when unknown
  std::string gfx_target;  // "gfx1151", "" when unknown
  std::optional<double> vram_total_bytes;
  std::optional<double> gtt_total_bytes;
  std::optional<std::string> performance_level;
};

struct HostView {
  std::optional<std::vector<KernelParam>> kernel_cmdline;  // absent: unreadable
  std::string kernel_release;
  // The live TTM limit: which module holds it (ttm or, with AMD's DKMS driver, amdttm); absent
  // when neither is loaded.
  std::optional<TtmModule> ttm_module;
  std::optional<std::uint64_t> ttm_pages_limit;
  std::uint64_t page_size = 4096;
  std::optional<std::vector<GpuView>> gpus;  // absent until the GPU collector read once
  std::string expected_performance_level;    // "" disables that check
};

}  // namespace llmon::tuning
