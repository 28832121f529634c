#pragma once
// Every committed binary gpu_metrics fixture and the values it was built from: gpu_metrics_gen
// writes them, a unit test checks the committed files still match. Test code only.
#include <cstddef>
#include <string>
#include <vector>

#include "builder.hpp"

namespace llmon::test::gpu_metrics {

struct Fixture {
  std::string path;  // relative to the source tree
  int format;
  int content;
  Values values;
  // Kept bytes (0: all of them): a file cut short.
  std::size_t truncate_to = 0;
  // Claim this content revision instead (and append bytes): a version newer than any layout.
  int future_content = -1;
};

std::vector<Fixture> fixtures();

// The bytes a fixture's file holds.
std::vector<std::byte> fixture_bytes(const Fixture& fixture);

}  // namespace llmon::test::gpu_metrics
