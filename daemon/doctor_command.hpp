#pragma once
// The `doctor` command: reads the GPUs, every Ollama instance and the tuning checks once and
// prints a checklist a user can act on (text or JSON).
#include "daemon/options.hpp"

namespace llmon {

// Exit status: 0 nothing drifts, 1 something drifts, 2 usage or configuration error.
int run_doctor_command(const Options& options);

}  // namespace llmon
