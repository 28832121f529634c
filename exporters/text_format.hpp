#pragma once
// The Prometheus text exposition format 0.0.4, written as Prometheus' own clients write it:
// values in their shortest round-trip form ("0.07", not "0.07000000000000001"), "+Inf", "-Inf"
// and "NaN" spelled as the format requires, HELP and label values escaped. Pure; thread-safe.
#include <string>

#include "common/metrics.hpp"

namespace llmon {

// Families in the order given (merge_and_sort them first); empty families are skipped.
std::string render_text(const MetricFamilies& families);

}  // namespace llmon
