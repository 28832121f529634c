#include "collectors/tuning/ollama_version.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>
#include <vector>

namespace llmon::tuning {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_ident(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
}

std::optional<std::uint32_t> to_u32(std::string_view s) {
  std::uint32_t v = 0;
  if (s.empty() || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "-<n>-g<hex>" at the end of `s` (git describe --long); strips it and returns n.
std::optional<std::uint32_t> strip_describe(std::string_view& s) {
  const auto g = s.rfind("-g");
  if (g == std::string_view::npos) return std::nullopt;
  const std::string_view hash = s.substr(g + 2);
  if (hash.size() < 4 || hash.size() > 40 || !std::all_of(hash.begin(), hash.end(), is_hex)) {
    return std::nullopt;
  }
  const auto dash = s.rfind('-', g == 0 ? 0 : g - 1);
  if (dash == std::string_view::npos || dash >= g) return std::nullopt;
  const auto count = to_u32(s.substr(dash + 1, g - dash - 1));
  if (!count) return std::nullopt;
  s = s.substr(0, dash);
  return count;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    const auto at = s.find(sep, pos);
    out.push_back(s.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) return out;
    pos = at + 1;
  }
}

// Natural order of one identifier: runs of digits compare as numbers, other runs as text.
std::strong_ordering compare_ident(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = is_digit(a[i]), db = is_digit(b[j]);
    std::size_t ei = i, ej = j;
    while (ei < a.size() && is_digit(a[ei]) == da) ++ei;
    while (ej < b.size() && is_digit(b[ej]) == db) ++ej;
    const std::string_view ra = a.substr(i, ei - i), rb = b.substr(j, ej - j);
    if (da && db) {
      // Compare digit runs as numbers without overflow: strip zeros, then length, then text.
      const auto za = ra.find_first_not_of('0'), zb = rb.find_first_not_of('0');
      const std::string_view na = za == std::string_view::npos ? "" : ra.substr(za);
      const std::string_view nb = zb == std::string_view::npos ? "" : rb.substr(zb);
      if (na.size() != nb.size()) return na.size() <=> nb.size();
      if (const auto c = na.compare(nb); c != 0) return c <=> 0;
    } else if (da != db) {
      return da ? std::strong_ordering::less : std::strong_ordering::greater;  // semver
    } else if (const auto c = ra.compare(rb); c != 0) {
      return c <=> 0;
    }
    i = ei;
    j = ej;
  }
  return (a.size() - i) <=> (b.size() - j);
}

}  // namespace

std::string OllamaVersion::to_string() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!prerelease.empty()) s += "-" + prerelease;
  if (commits_after > 0) s += "-" + std::to_string(commits_after);
  return s;
}

std::strong_ordering OllamaVersion::operator<=>(const OllamaVersion& o) const {
  if (const auto c = std::tie(major, minor, patch) <=> std::tie(o.major, o.minor, o.patch);
      c != 0) {
    return c;
  }
  if (prerelease.empty() != o.prerelease.empty()) {
    return prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  const auto pa = split(prerelease, '.'), pb = split(o.prerelease, '.');
  for (std::size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (const auto c = compare_ident(pa[i], pb[i]); c != 0) return c;
  }
  if (pa.size() != pb.size() && !prerelease.empty()) return pa.size() <=> pb.size();
  return commits_after <=> o.commits_after;
}

std::optional<OllamaVersion> parse_ollama_version(std::string_view text) {
  std::string_view s = trim_ws(text);
  if (!s.empty() && s.front() == 'v') s.remove_prefix(1);
  if (const auto plus = s.find('+'); plus != std::string_view::npos) {
    const std::string_view build = s.substr(plus + 1);
    if (build.empty() || !std::all_of(build.begin(), build.end(), is_ident)) return std::nullopt;
    s = s.substr(0, plus);
  }
  OllamaVersion v;
  constexpr std::string_view kDirty = "-dirty";
  if (s.size() > kDirty.size() && s.substr(s.size() - kDirty.size()) == kDirty) {
    v.dirty = true;
    s.remove_suffix(kDirty.size());
  }
  const std::size_t core_end = s.find('-');
  std::string_view rest = core_end == std::string_view::npos ? "" : s.substr(core_end);
  const auto core = split(s.substr(0, core_end), '.');
  if (core.size() != 3) return std::nullopt;
  const auto ma = to_u32(core[0]), mi = to_u32(core[1]), pa = to_u32(core[2]);
  if (!ma || !mi || !pa) return std::nullopt;
  v.major = *ma;
  v.minor = *mi;
  v.patch = *pa;
  if (const auto n = strip_describe(rest)) {
    v.commits_after = *n;
  } else if (v.dirty) {
    return std::nullopt;  // "-dirty" only comes from git describe
  }
  if (!rest.empty()) {
    rest.remove_prefix(1);  // the '-'
    if (rest.empty() || !std::all_of(rest.begin(), rest.end(), is_ident)) return std::nullopt;
    for (const auto ident : split(rest, '.')) {
      if (ident.empty()) return std::nullopt;
    }
    v.prerelease = std::string(rest);
  }
  return v;
}

}  // namespace llmon::tuning
