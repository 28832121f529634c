#include "common/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace llmon {

namespace {

// windowBits 15 plus 16 selects the gzip wrapper instead of zlib's own.
constexpr int kGzipWindowBits = 15 + 16;
// Level 6 is zlib's default: Prometheus text compresses ~10x there, and the higher levels cost
// several times the CPU for a few percent, on a buffer that is re-compressed every collection.
constexpr int kLevel = 6;
constexpr int kMemLevel = 8;
// zlib counts in uInt; feed huge inputs in slices so that nothing is silently truncated.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

Bytef* in_ptr(std::string_view s) {
  // zlib's API is not const-correct; it never writes through next_in.
  return reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
}

class Deflater {
 public:
  Deflater() {
    if (deflateInit2(&z_, kLevel, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      throw std::runtime_error("gzip: deflateInit2 failed (out of memory?)");
    }
  }
  ~Deflater() { deflateEnd(&z_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  z_stream& z() { return z_; }

 private:
  z_stream z_{};
};

class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&z_, kGzipWindowBits) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  bool ok() const { return ok_; }
  z_stream& z() { return z_; }

 private:
  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

std::string gzip_compress(std::string_view input) {
  Deflater deflater;
  z_stream& z = deflater.z();
  std::string out;
  // deflateBound is exact enough that a single pass normally suffices.
  out.resize(deflateBound(&z, static_cast<uLong>(std::min(input.size(), kMaxChunk))) + 64);
  std::size_t produced = 0;
  std::string_view rest = input;
  for (;;) {
    const std::size_t take = std::min(rest.size(), kMaxChunk);
    z.next_in = in_ptr(rest);
    z.avail_in = static_cast<uInt>(take);
    rest.remove_prefix(take);
    const int flush = rest.empty() ? Z_FINISH : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      if (produced == out.size()) out.resize(out.size() * 2);
      const std::size_t room = std::min(out.size() - produced, kMaxChunk);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z.avail_out = static_cast<uInt>(room);
      rc = deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) throw std::runtime_error("gzip: deflate failed");
      produced += room - z.avail_out;
    } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    if (flush == Z_FINISH) break;
  }
  out.resize(produced);
  return out;
}

Expected<std::string> gzip_decompress(std::string_view input, std::size_t max_out) {
  if (input.empty()) return make_error("gzip: empty input");
  Inflater inflater;
  if (!inflater.ok()) return make_error("gzip: inflateInit2 failed (out of memory?)");
  z_stream& z = inflater.z();
  std::string out;
  char buf[16384];
  std::string_view rest = input;
  for (;;) {
    if (z.avail_in == 0 && !rest.empty()) {
      const std::size_t take = std::min(rest.size(), kMaxChunk);
      z.next_in = in_ptr(rest);
      z.avail_in = static_cast<uInt>(take);
      rest.remove_prefix(take);
    }
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t got = sizeof buf - z.avail_out;
    if (got > max_out - out.size()) {
      return make_error("gzip: decompressed size exceeds the limit of " + std::to_string(max_out) +
                        " bytes");
    }
    out.append(buf, got);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && rest.empty()) return out;
      // Another member follows; RFC 1952 defines the result as the concatenation.
      if (inflateReset(&z) != Z_OK) return make_error("gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      // zlib wants more input; running out of it means the stream was cut short.
      if (rest.empty()) return make_error("gzip: truncated input");
      continue;
    }
    if (rc == Z_DATA_ERROR) {
      return make_error(std::string("gzip: corrupt data") +
                        (z.msg ? std::string(": ") + z.msg : ""));
    }
    if (rc == Z_MEM_ERROR) return make_error("gzip: out of memory");
    return make_error("gzip: inflate failed (zlib code " + std::to_string(rc) + ")");
  }
}

}  // namespace llmon
