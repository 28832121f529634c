#include <doctest/doctest.h>

#include <string>

#include "common/gzip.hpp"

namespace llmon {
namespace {

TEST_CASE("gzip: round trip of empty, small and large inputs") {
  std::string large;
  for (int i = 0; large.size() < 2'000'000; ++i)
    large += "metric{i=\"" + std::to_string(i) + "\"} 1\n";
  for (const std::string& input : {std::string(), std::string("hello\n"), large}) {
    const std::string zipped = gzip_compress(input);
    REQUIRE(zipped.size() >= 18);
    CHECK(static_cast<unsigned char>(zipped[0]) == 0x1f);  // gzip magic, not a zlib header
    CHECK(static_cast<unsigned char>(zipped[1]) == 0x8b);
    const auto back = gzip_decompress(zipped, input.size());
    REQUIRE(back.ok());
    CHECK(*back == input);
  }
  CHECK(gzip_compress(large).size() < large.size() / 4);
}

TEST_CASE("gzip: decompression is bounded") {
  const std::string zipped = gzip_compress(std::string(100'000, 'a'));
  const auto limited = gzip_decompress(zipped, 99'999);
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.error().message.find("99999") != std::string::npos);
  CHECK(gzip_decompress(zipped, 100'000).ok());
}

TEST_CASE("gzip: corrupt, truncated and empty input are errors") {
  const std::string zipped = gzip_compress("some text that is long enough to matter\n");
  CHECK_FALSE(gzip_decompress("", 1000).ok());
  CHECK_FALSE(gzip_decompress("not gzip at all", 1000).ok());
  const auto truncated = gzip_decompress(zipped.substr(0, zipped.size() - 5), 1000);
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().message.find("truncated") != std::string::npos);
  std::string flipped = zipped;
  flipped[flipped.size() - 6] ^= 0x55;  // inside the CRC32
  CHECK_FALSE(gzip_decompress(flipped, 1000).ok());
}

TEST_CASE("gzip: concatenated members decompress to the concatenation") {
  const auto both = gzip_decompress(gzip_compress("abc") + gzip_compress("def"), 100);
  REQUIRE(both.ok());
  CHECK(*both == "abcdef");
  CHECK_FALSE(gzip_decompress(gzip_compress("abc") + "xyz", 100).ok());
}

}  // namespace
}  // namespace llmon
