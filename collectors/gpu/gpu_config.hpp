#pragma once
// GpuConfig: the [gpu] section (defaults here, once), its reader and its printer. Plain value type.
#include <filesystem>
#include <ostream>
#include <string>

#include "common/config_reader.hpp"
#include "common/duration.hpp"

namespace llmon {

struct GpuConfig {
  std::string backend = "auto";  // auto | rocm_smi | sysfs | none
  std::filesystem::path sysfs_root = "/sys";
  std::string rocm_smi_library = "librocm_smi64.so.1";  // dlopen()ed; a soname or a path
  Duration interval = std::chrono::seconds(5);          // full reading
  Duration sample_interval = std::chrono::seconds(1);   // busy and power, integrated
};

// Reads [gpu] into `gpu` (keys absent from the table keep their defaults); errors go to t.errors().
void read_gpu_config(const TableReader& t, GpuConfig& gpu);
// The section as TOML that read_gpu_config accepts.
void render_gpu_config(std::ostream& out, const GpuConfig& gpu);

}  // namespace llmon
