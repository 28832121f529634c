#pragma once
// The llmon_tuning_* families and the tuning side's llmon_ollama_* / llmon_host_* ones, from
// one evaluation of the checks and the views behind it. Pure.
#include <vector>

#include "collectors/tuning/checks.hpp"
#include "common/metrics.hpp"

namespace llmon::tuning {

struct Evaluation {
  HostView host;
  std::vector<InstanceView> instances;
  std::vector<CheckResult> results;  // host checks first, then each instance's
};

MetricFamilies tuning_families(const Evaluation& evaluation);

}  // namespace llmon::tuning
