// Single-value amdgpu sysfs attributes and names: decimal and hex values, PCI addresses,
// drm card and render node names.
#include "collectors/gpu/sysfs_parse.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon::gpu::sysfs;
  namespace fuzz = llmon::fuzz;
  const std::string_view text = fuzz::as_text(data, size);
  (void)parse_uint(text);
  (void)parse_int(text);
  if (const auto id = parse_hex_id(text)) {
    fuzz::check(parse_hex_id(format_device_id(*id)) == id, "format_device_id round-trips");
  }
  if (const auto address = parse_pci_address(text)) {
    fuzz::check(address->bus <= 0xff && address->device <= 0x1f && address->function <= 7,
                "a PCI address is in range");
    fuzz::check(kfd_location_id(*address) <= 0xffff, "a location id fits 16 bits");
  }
  (void)parse_render_minor(text);
  (void)is_card_name(text);
  return 0;
}
