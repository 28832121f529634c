#include "collectors/tuning/go_env.hpp"

#include <array>
#include <limits>

namespace llmon::tuning {

namespace {

// UTF-8 encodings of the non-ASCII code points unicode.IsSpace accepts.
constexpr std::array<std::string_view, 16> kUnicodeSpaces{
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82",
    "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88",
    "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9",
};
constexpr std::array<std::string_view, 3> kMoreUnicodeSpaces{"\xE2\x80\xAF", "\xE2\x81\x9F",
                                                             "\xE3\x80\x80"};

bool ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Length of the space at the start (front = true) or end of s; 0 when there is none.
std::size_t space_len(std::string_view s, bool front) {
  if (s.empty()) return 0;
  if (ascii_space(front ? s.front() : s.back())) return 1;
  const auto match = [&](std::string_view enc) {
    if (s.size() < enc.size()) return false;
    return (front ? s.substr(0, enc.size()) : s.substr(s.size() - enc.size())) == enc;
  };
  for (const auto enc : kUnicodeSpaces) {
    if (match(enc)) return enc.size();
  }
  for (const auto enc : kMoreUnicodeSpaces) {
    if (match(enc)) return enc.size();
  }
  return 0;
}

}  // namespace

std::optional<bool> go_parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> go_parse_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::string_view go_trim_space(std::string_view s) {
  while (const std::size_t n = space_len(s, true)) s.remove_prefix(n);
  while (const std::size_t n = space_len(s, false)) s.remove_suffix(n);
  return s;
}

std::string_view ollama_var_value(std::string_view raw) {
  std::string_view s = go_trim_space(raw);
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '"' || s.back() == '\'')) s.remove_suffix(1);
  return s;
}

}  // namespace llmon::tuning
