#pragma once
// What `llmon doctor` prints: a checklist a user can act on, as text or JSON. Pure.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/tuning/checks.hpp"

namespace llmon {

struct DoctorGpu {
  std::string gpu;  // the `gpu` label
  std::string name;
  std::string gfx_target;
  std::optional<double> vram_used, vram_total, gtt_used, gtt_total;  // bytes
  std::optional<double> busy_ratio;
};

struct DoctorInstance {
  std::string name;
  std::string url;
  bool up = false;
  std::string problem;  // why it is down
  std::string version;
  std::optional<int> pid;
  std::size_t models_loaded = 0;
  std::vector<tuning::CheckResult> checks;
};

struct DoctorReport {
  std::string gpu_problem;  // the GPU reading failed, or none was found
  std::vector<DoctorGpu> gpus;
  std::vector<tuning::CheckResult> host_checks;
  std::vector<DoctorInstance> instances;
};

std::string render_doctor_text(const DoctorReport& report);
std::string render_doctor_json(const DoctorReport& report);
// 0: nothing drifts; 1: something drifts (UNKNOWN alone is not a failure).
int doctor_exit_code(const DoctorReport& report);

}  // namespace llmon
