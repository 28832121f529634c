#pragma once
// SHA-256 (FIPS 180-4), for keying the credential cache of basic auth without keeping passwords
// in memory and without linking a crypto library. Pure functions; thread-safe.
#include <array>
#include <cstdint>
#include <string_view>

namespace llmon {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  Sha256Digest finish();  // the object must not be used afterwards

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

Sha256Digest sha256(std::string_view bytes);

}  // namespace llmon
