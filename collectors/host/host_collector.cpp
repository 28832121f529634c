#include "collectors/host/host_collector.hpp"

#include <stdexcept>

#include "collectors/host/meminfo.hpp"
#include "common/fs.hpp"

namespace llmon {

namespace {

class HostCollector final : public Collector {
 public:
  explicit HostCollector(const HostConfig& config) : config_(config) {}

  std::string name() const override { return "host"; }
  Duration interval() const override { return config_.interval; }

  CollectResult collect() override {
    ReadResult file = read_file(config_.procfs_root / "meminfo");
    if (!file.ok()) throw std::runtime_error(file.error);
    const auto fields = host::parse_meminfo(file.content);
    if (fields.empty()) {
      throw std::runtime_error((config_.procfs_root / "meminfo").string() + ": no parsable fields");
    }
    auto get = [&](const char* key) -> std::optional<double> {
      auto it = fields.find(key);
      if (it == fields.end()) return std::nullopt;
      return static_cast<double>(it->second);
    };
    FamilySet set;
    set.gauge("llmon_host_memory_total_bytes", "Total usable host memory (MemTotal).", {},
              get("MemTotal"));
    set.gauge("llmon_host_memory_available_bytes",
              "Host memory available for new allocations without swapping (MemAvailable).", {},
              get("MemAvailable"));
    set.gauge("llmon_host_swap_total_bytes", "Total swap space (SwapTotal).", {}, get("SwapTotal"));
    set.gauge("llmon_host_swap_free_bytes", "Unused swap space (SwapFree).", {}, get("SwapFree"));
    return set.take();
  }

 private:
  HostConfig config_;
};

}  // namespace

std::unique_ptr<Collector> make_host_collector(const SourcesConfig& config) {
  return std::make_unique<HostCollector>(config.host);
}

}  // namespace llmon
