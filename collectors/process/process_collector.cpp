#include "collectors/process/process_collector.hpp"

#include "collectors/process/proc_stat.hpp"

namespace llmon {

namespace {

class ProcessCollector final : public Collector {
 public:
  ProcessCollector(std::filesystem::path root, Duration interval)
      : root_(std::move(root)), interval_(interval) {}

  std::string name() const override { return "process"; }
  Duration interval() const override { return interval_; }

  CollectResult collect() override {
    const proc::ProcessUsage u = proc::read_process_usage(root_, "self");
    FamilySet set;
    set.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
                u.cpu_seconds);
    set.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
              u.resident_bytes);
    set.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {}, u.virtual_bytes);
    set.gauge("process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.", {}, u.start_time_seconds);
    set.gauge("process_open_fds", "Number of open file descriptors.", {}, u.open_fds);
    set.gauge("process_max_fds", "Maximum number of open file descriptors.", {}, u.max_fds);
    return set.take();
  }

 private:
  std::filesystem::path root_;
  Duration interval_;
};

}  // namespace

std::unique_ptr<Collector> make_process_collector(std::filesystem::path procfs_root,
                                                  Duration interval) {
  return std::make_unique<ProcessCollector>(std::move(procfs_root), interval);
}

}  // namespace llmon
