// gpu_metrics_gen SOURCE_DIR: (re)writes every binary gpu_metrics fixture under SOURCE_DIR from
// the values in fixtures.cpp. Run it after changing those values or the builder; the unit test
// "gpu_metrics fixtures are what the builder makes" fails until then.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixtures.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gpu_metrics_gen SOURCE_DIR\n");
    return 2;
  }
  namespace gm = llmon::test::gpu_metrics;
  for (const gm::Fixture& f : gm::fixtures()) {
    const std::filesystem::path path = std::filesystem::path(argv[1]) / f.path;
    std::filesystem::create_directories(path.parent_path());
    const auto bytes = gm::fixture_bytes(f);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "gpu_metrics_gen: cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("%s (%zu bytes)\n", f.path.c_str(), bytes.size());
  }
  return 0;
}
