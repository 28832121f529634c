#include "collectors/tuning/dbus_wire.hpp"

#include <cstring>

namespace llmon::tuning::dbus {

namespace {

constexpr std::string_view kBasic = "ybnqiuxtdhsog";
constexpr std::uint32_t kMaxArrayBytes = 1u << 26;  // the specification's 64 MiB

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

std::uint32_t load32(const char* p, bool big_endian) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const auto b = static_cast<std::uint8_t>(p[big_endian ? i : 3 - i]);
    v = (v << 8) | b;
  }
  return v;
}

}  // namespace

void Writer::align(std::size_t n) { out_.resize(round_up(out_.size(), n), '\0'); }
void Writer::u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
void Writer::u32(std::uint32_t v) {
  align(4);
  for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
}
void Writer::u64(std::uint64_t v) {
  align(8);
  for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
}
void Writer::string(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  out_.append(s);
  out_.push_back('\0');
}
void Writer::signature(std::string_view s) {
  u8(static_cast<std::uint8_t>(s.size()));
  out_.append(s);
  out_.push_back('\0');
}
Writer::ArrayMark Writer::begin_array(std::size_t element_alignment) {
  u32(0);
  const std::size_t length_at = out_.size() - 4;
  align(element_alignment);
  return {length_at, out_.size()};
}
void Writer::end_array(ArrayMark mark) {
  const auto n = static_cast<std::uint32_t>(out_.size() - mark.start);
  for (int i = 0; i < 4; ++i) out_[mark.length_at + i] = static_cast<char>(n >> (8 * i));
}

bool Reader::fail(std::string why) {
  if (error_.empty()) error_ = why + " at offset " + std::to_string(pos_);
  return false;
}

bool Reader::take(std::size_t n, std::string_view& out) {
  if (!ok()) return false;
  if (n > data_.size() - pos_) return fail("truncated: " + std::to_string(n) + " bytes wanted");
  out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::align(std::size_t n) {
  if (!ok()) return false;
  const std::size_t to = round_up(pos_, n);
  if (to > data_.size()) return fail("truncated padding");
  pos_ = to;
  return true;
}

bool Reader::u8(std::uint8_t& v) {
  std::string_view b;
  if (!take(1, b)) return false;
  v = static_cast<std::uint8_t>(b[0]);
  return true;
}

bool Reader::u32(std::uint32_t& v) {
  std::string_view b;
  if (!align(4) || !take(4, b)) return false;
  v = load32(b.data(), big_endian_);
  return true;
}

bool Reader::u64(std::uint64_t& v) {
  std::string_view b;
  if (!align(8) || !take(8, b)) return false;
  const std::uint64_t first = load32(b.data(), big_endian_);
  const std::uint64_t second = load32(b.data() + 4, big_endian_);
  v = big_endian_ ? (first << 32) | second : (second << 32) | first;
  return true;
}

bool Reader::boolean(bool& v) {
  std::uint32_t raw = 0;
  if (!u32(raw)) return false;
  if (raw > 1) return fail("boolean of value " + std::to_string(raw));
  v = raw == 1;
  return true;
}

bool Reader::string(std::string& out) {
  std::uint32_t n = 0;
  std::string_view b;
  if (!u32(n) || !take(std::size_t{n} + 1, b)) return false;
  if (b.back() != '\0') return fail("string without its terminating NUL");
  if (std::memchr(b.data(), '\0', n) != nullptr) return fail("string with a NUL inside");
  out.assign(b.data(), n);
  return true;
}

bool Reader::signature(std::string& out) {
  std::uint8_t n = 0;
  std::string_view b;
  if (!u8(n) || !take(std::size_t{n} + 1, b)) return false;
  if (b.back() != '\0') return fail("signature without its terminating NUL");
  out.assign(b.data(), n);
  if (!valid_signature(out)) return fail("invalid signature");
  return true;
}

bool Reader::begin_array(char element, std::size_t& end) {
  std::uint32_t n = 0;
  if (!u32(n)) return false;
  if (n > kMaxArrayBytes) return fail("array of " + std::to_string(n) + " bytes");
  if (!align(alignment_of(element))) return false;
  if (n > data_.size() - pos_) return fail("array of " + std::to_string(n) + " bytes past the end");
  end = pos_ + n;
  return true;
}

bool Reader::end_array(std::size_t end) {
  if (!ok()) return false;
  if (pos_ != end) return fail("array element past the array's length");
  return true;
}

bool Reader::skip_types(std::string_view signature, int depth) {
  while (!signature.empty() && ok()) {
    const std::size_t n = single_type_length(signature, depth);
    if (n == 0) return fail("invalid signature");
    skip_one(signature.substr(0, n), depth);
    signature.remove_prefix(n);
  }
  return ok();
}

bool Reader::skip_one(std::string_view type, int depth) {
  std::string_view b;
  std::uint32_t n32 = 0;
  switch (type[0]) {
    case 'y':
      return take(1, b);
    case 'n':
    case 'q':
      return align(2) && take(2, b);
    case 'b': {
      bool v = false;
      return boolean(v);
    }
    case 'i':
    case 'u':
    case 'h':
      return u32(n32);
    case 'x':
    case 't':
    case 'd':
      return align(8) && take(8, b);
    case 's':
    case 'o': {
      std::string s;
      return string(s);
    }
    case 'g':
    case 'v': {
      std::string sig;
      if (!signature(sig)) return false;
      if (type[0] == 'g') return true;
      if (depth + 1 > kMaxDepth) return fail("variants nested too deeply");
      if (sig.empty() || single_type_length(sig, depth + 1) != sig.size()) {
        return fail("variant of signature '" + sig + "'");
      }
      return skip_one(sig, depth + 1);
    }
    case 'a': {
      std::size_t end = 0;
      if (!begin_array(type[1], end)) return false;
      while (pos_ < end && skip_one(type.substr(1), depth + 1)) {
      }
      return end_array(end);
    }
    default:  // '(' or '{', validated by the caller
      return align(8) && skip_types(type.substr(1, type.size() - 2), depth + 1);
  }
}

std::size_t alignment_of(char code) {
  switch (code) {
    case 'n':
    case 'q':
      return 2;
    case 'b':
    case 'i':
    case 'u':
    case 'h':
    case 's':
    case 'o':
    case 'a':
      return 4;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 1;
  }
}

std::size_t single_type_length(std::string_view sig, int depth) {
  if (sig.empty()) return 0;
  const char c = sig[0];
  if (c == 'v' || kBasic.find(c) != std::string_view::npos) return 1;
  if (depth >= kMaxDepth) return 0;
  if (c == 'a') {
    if (sig.size() >= 2 && sig[1] == '{') {  // a dict entry: a basic key and one value
      if (sig.size() < 5 || kBasic.find(sig[2]) == std::string_view::npos) return 0;
      const std::size_t value = single_type_length(sig.substr(3), depth + 2);
      if (value == 0 || 3 + value >= sig.size() || sig[3 + value] != '}') return 0;
      return 4 + value;
    }
    const std::size_t element = single_type_length(sig.substr(1), depth + 1);
    return element == 0 ? 0 : 1 + element;
  }
  if (c != '(') return 0;
  std::size_t i = 1;
  while (i < sig.size() && sig[i] != ')') {
    const std::size_t n = single_type_length(sig.substr(i), depth + 1);
    if (n == 0) return 0;
    i += n;
  }
  return i == 1 || i >= sig.size() ? 0 : i + 1;
}

bool valid_signature(std::string_view sig) {
  if (sig.size() > 255) return false;
  while (!sig.empty()) {
    const std::size_t n = single_type_length(sig);
    if (n == 0) return false;
    sig.remove_prefix(n);
  }
  return true;
}

}  // namespace llmon::tuning::dbus
