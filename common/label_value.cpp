#include "common/label_value.hpp"

#include <algorithm>

namespace llmon {

namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::size_t kHashDigits = 8;
// The longest prefix a truncated value keeps, in bytes.
constexpr std::size_t kPrefixBytes = kMaxLabelValueBytes - kEllipsis.size() - kHashDigits;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

std::string hex32(std::uint64_t hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kHashDigits, '0');
  auto top = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = kHashDigits; i-- > 0; top >>= 4) out[i] = kDigits[top & 0xF];
  return out;
}

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), 0 when there is none.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  const unsigned b0 = at(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(at(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;  // ED A0..BF: surrogates
    return at(1) >= lo && at(1) <= hi && continuation(at(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;  // past U+10FFFF
    return at(1) >= lo && at(1) <= hi && continuation(at(2)) && continuation(at(3)) ? 4 : 0;
  }
  return 0;
}

// Rules 1 and 2: valid UTF-8 without control characters. Never shorter than its input.
std::string sanitise(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = sequence_length(raw, i);
    const auto b0 = static_cast<unsigned char>(raw[i]);
    if (n == 0) {
      out += kReplacement;
      i += 1;
    } else if (n == 1 && (b0 < 0x20 || b0 == 0x7F)) {
      // Control Pictures: U+2400 + code for C0, U+2421 for DEL.
      const unsigned picture = b0 == 0x7F ? 0x2421 : 0x2400 + b0;
      out += static_cast<char>(0xE0 | (picture >> 12));
      out += static_cast<char>(0x80 | ((picture >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (picture & 0x3F));
      i += 1;
    } else if (n == 2 && b0 == 0xC2 && static_cast<unsigned char>(raw[i + 1]) < 0xA0) {
      out += kReplacement;  // C1 controls U+0080-U+009F
      i += 2;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool plain_ascii(std::string_view raw) {
  return std::all_of(raw.begin(), raw.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

// Rule 3 on a sanitised text (the whole value unless `cut_off`) whose original had `hash`.
std::string shorten(std::string clean, std::uint64_t hash, bool cut_off) {
  if (!cut_off && clean.size() <= kMaxLabelValueBytes) return clean;
  std::size_t cut = kPrefixBytes;
  while (cut > 0 && continuation(static_cast<unsigned char>(clean[cut]))) --cut;
  clean.resize(cut);
  clean += kEllipsis;
  clean += hex32(hash);
  return clean;
}

// label_value of a text known by its first bytes (all of it when size <= prefix.size()), its
// hash and its size. kMaxLabelValueBytes leading bytes suffice: sanitising never shortens, so
// what a truncated value keeps comes from bytes well before any sequence cut at the prefix end.
std::string label_value_of(std::string_view prefix, std::uint64_t hash, std::size_t size) {
  if (size <= kMaxLabelValueBytes && plain_ascii(prefix)) return std::string(prefix);
  return shorten(sanitise(prefix.substr(0, kMaxLabelValueBytes)), hash, size > kMaxLabelValueBytes);
}

}  // namespace

std::string label_value(std::string_view raw) {
  if (raw.size() <= kMaxLabelValueBytes && plain_ascii(raw)) return std::string(raw);
  return label_value_of(raw.substr(0, kMaxLabelValueBytes), fnv1a(kFnvOffset, raw), raw.size());
}

std::string label_hash(std::string_view raw) { return hex32(fnv1a(kFnvOffset, raw)); }

std::string bounded_text(std::string_view raw, std::size_t keep) {
  return raw.size() <= keep ? std::string(raw) : label_value(raw);
}

}  // namespace llmon
