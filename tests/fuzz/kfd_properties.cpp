// KFD topology node `properties` files, and matching them to a card. The input is split at
// form feeds into several nodes; the matched card is the fixture's renderD128 at 0000:c5:00.0.
#include "collectors/gpu/gpu_device.hpp"
#include "collectors/gpu/sysfs_parse.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  using namespace llmon::gpu::sysfs;
  std::string_view text = fuzz::as_text(data, size);
  std::vector<KfdProperties> nodes;
  while (!text.empty() && nodes.size() < 16) {
    const auto ff = text.find('\f');
    nodes.push_back(parse_kfd_properties(text.substr(0, ff)));
    text = ff == std::string_view::npos ? std::string_view{} : text.substr(ff + 1);
  }
  const PciAddress address{0, 0xc5, 0, 0};
  for (const auto minor : {std::optional<std::uint32_t>(128), std::optional<std::uint32_t>()}) {
    if (const auto gfx = match_kfd_gfx_version(nodes, minor, address)) {
      fuzz::check(*gfx != 0, "a CPU node never matches");
      (void)gpu::gfx_target_name(*gfx);
    }
  }
  return 0;
}
