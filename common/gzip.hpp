#pragma once
// gzip (RFC 1952) compression and bounded decompression over whole buffers. Pure functions.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace llmon {

// Compresses `input` into a single gzip member. Throws std::runtime_error if zlib fails, which
// only happens when it cannot allocate its state.
std::string gzip_compress(std::string_view input);

// Decompresses a gzip stream (concatenated members are accepted, as RFC 1952 allows). Fails,
// rather than allocating, once the output would exceed `max_out` bytes, so that a hostile or
// broken peer cannot make us inflate a bomb; also fails on corrupt, truncated or empty input.
Expected<std::string> gzip_decompress(std::string_view input, std::size_t max_out);

}  // namespace llmon
