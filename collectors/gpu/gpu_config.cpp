#include "collectors/gpu/gpu_config.hpp"

namespace llmon {

void read_gpu_config(const TableReader& t, GpuConfig& gpu) {
  t.reject_unknown({"backend", "sysfs_root", "rocm_smi_library", "interval", "sample_interval"});
  t.get_enum("backend", gpu.backend, {"auto", "rocm_smi", "sysfs", "none"});
  t.get("sysfs_root", gpu.sysfs_root);
  t.get("rocm_smi_library", gpu.rocm_smi_library);
  t.get("interval", gpu.interval, kMinCollectorInterval, std::chrono::hours(1));
  t.get("sample_interval", gpu.sample_interval, kMinCollectorInterval, std::chrono::minutes(1));
  if (gpu.sample_interval > gpu.interval) {
    t.error(t.raw().contains("sample_interval") ? "sample_interval" : "interval",
            "must not be longer than gpu.interval (" + format_duration(gpu.interval) + "), found " +
                format_duration(gpu.sample_interval));
  }
}

void render_gpu_config(std::ostream& out, const GpuConfig& gpu) {
  out << "[gpu]\n"
      << "backend = " << toml_quote(gpu.backend) << "\n"
      << "sysfs_root = " << toml_quote(gpu.sysfs_root.string()) << "\n"
      << "rocm_smi_library = " << toml_quote(gpu.rocm_smi_library) << "\n"
      << "interval = " << toml_quote(format_duration(gpu.interval)) << "\n"
      << "sample_interval = " << toml_quote(format_duration(gpu.sample_interval)) << "\n";
}

}  // namespace llmon
