#include "collectors/tuning/kernel_params.hpp"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <system_error>

namespace llmon::tuning {

namespace fs = std::filesystem;

namespace {

// COMMAND_LINE_SIZE is 2048-4096 on most architectures; bootconfig can add more.
constexpr std::size_t kMaxCmdlineBytes = 64 * 1024;

// lib/ctype.c: _S is set for \t \n \v \f \r, space, and 0xA0 (Latin-1 no-break space).
bool kernel_isspace(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xA0;
}

std::string normalize_name(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

template <typename T>
Reading<T> missing(const ReadResult& r) {
  return Reading<T>{std::nullopt, r.status, r.error};
}

Reading<std::uint64_t> read_ulong(const fs::path& path) {
  const ReadResult r = read_file(path, 4096);
  if (!r.ok()) return missing<std::uint64_t>(r);
  if (auto v = parse_kernel_ulong(r.content)) return {v, ReadStatus::kOk, {}};
  return {std::nullopt, ReadStatus::kOk, path.string() + ": not a number"};
}

TtmParams read_ttm(const fs::path& module_dir) {
  TtmParams p;
  std::error_code ec;
  p.present = fs::is_directory(module_dir, ec);
  p.pages_limit = read_ulong(module_dir / "parameters" / "pages_limit");
  p.page_pool_size = read_ulong(module_dir / "parameters" / "page_pool_size");
  return p;
}

// kstrtoull's radix rules: "0x"/"0X" hex, a leading "0" octal, else decimal; digits only after.
std::optional<std::uint64_t> parse_radix(std::string_view s) {
  unsigned base = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = unsigned(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = unsigned(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = unsigned(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

}  // namespace

std::vector<KernelParam> parse_kernel_cmdline(std::string_view text) {
  std::vector<KernelParam> out;
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < text.size() && kernel_isspace(text[i])) ++i;
  };
  skip_spaces();
  while (i < text.size()) {
    // One next_arg: a leading quote opens a quoted word; '=' splits at its first occurrence;
    // a quote toggles the quoting anywhere; whitespace outside quotes ends the word.
    const bool quoted = text[i] == '"';
    if (quoted) ++i;
    bool in_quote = quoted;
    const std::size_t start = i;
    std::size_t equals = std::string_view::npos;
    for (; i < text.size(); ++i) {
      if (kernel_isspace(text[i]) && !in_quote) break;
      // next_arg uses 0 as "no '=' yet", so an '=' first in the word does not count.
      if (equals == std::string_view::npos && text[i] == '=' && i != start) equals = i;
      if (text[i] == '"') in_quote = !in_quote;
    }
    std::string_view word = text.substr(start, i - start);
    std::string_view name;
    KernelParam p;
    if (equals == std::string_view::npos) {
      if (quoted && !word.empty() && word.back() == '"') word.remove_suffix(1);
      name = word;
    } else {
      name = word.substr(0, equals - start);
      std::string_view value = word.substr(equals - start + 1);
      bool stripped_end = false;
      if (!value.empty() && value.front() == '"') {
        value.remove_prefix(1);
        if (!value.empty() && value.back() == '"') {
          value.remove_suffix(1);
          stripped_end = true;
        }
      }
      if (quoted && !stripped_end && !value.empty() && value.back() == '"') {
        value.remove_suffix(1);
      }
      p.value = std::string(value);
    }
    if (i < text.size()) ++i;  // the separating space
    skip_spaces();
    if (!p.value && name == "--") break;
    if (name.empty()) continue;
    p.name = normalize_name(name);
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::string> kernel_param_value(const std::vector<KernelParam>& params,
                                              std::string_view name) {
  const std::string key = normalize_name(name);
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    if (it->name == key) return it->value;
  }
  return std::nullopt;
}

bool has_kernel_param(const std::vector<KernelParam>& params, std::string_view name) {
  const std::string key = normalize_name(name);
  return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.name == key; });
}

std::optional<std::uint64_t> parse_kernel_ulong(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return parse_radix(s);
}

std::optional<std::int64_t> parse_kernel_int(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (!negative && !s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto v = parse_radix(s);
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  if (!v || *v > kMax + (negative ? 1 : 0)) return std::nullopt;
  return negative ? -static_cast<std::int64_t>(*v) : static_cast<std::int64_t>(*v);
}

KernelState read_kernel_state(const fs::path& procfs_root, const fs::path& sysfs_root) {
  KernelState k;
  if (const ReadResult r = read_file(procfs_root / "cmdline", kMaxCmdlineBytes); r.ok()) {
    k.cmdline = {parse_kernel_cmdline(r.content), ReadStatus::kOk, {}};
  } else {
    k.cmdline = missing<std::vector<KernelParam>>(r);
  }
  if (const ReadResult r = read_file(procfs_root / "sys" / "kernel" / "osrelease", 4096); r.ok()) {
    std::string release = trim(r.content);
    if (release.empty()) {
      k.release = {std::nullopt, ReadStatus::kOk, "osrelease: empty"};
    } else {
      k.release = {std::move(release), ReadStatus::kOk, {}};
    }
  } else {
    k.release = missing<std::string>(r);
  }
  const fs::path modules = sysfs_root / "module";
  k.ttm = read_ttm(modules / "ttm");
  k.amdttm = read_ttm(modules / "amdttm");
  const fs::path gttsize = modules / "amdgpu" / "parameters" / "gttsize";
  if (const ReadResult r = read_file(gttsize, 4096); r.ok()) {
    const auto v = parse_kernel_int(r.content);
    k.amdgpu_gttsize = {v, ReadStatus::kOk, v ? "" : gttsize.string() + ": not a number"};
  } else {
    k.amdgpu_gttsize = missing<std::int64_t>(r);
  }
  if (const ReadResult r = read_file(modules / "amdgpu" / "version", 4096); r.ok()) {
    k.amdgpu_dkms_version = {trim(r.content), ReadStatus::kOk, {}};
  } else {
    k.amdgpu_dkms_version = missing<std::string>(r);
  }
  k.page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return k;
}

std::string_view ttm_module_name(TtmModule m) { return m == TtmModule::kTtm ? "ttm" : "amdttm"; }

std::optional<TtmModule> live_ttm_module(const KernelState& k) {
  if (k.amdttm.present) return TtmModule::kAmdttm;
  if (k.ttm.present) return TtmModule::kTtm;
  return std::nullopt;
}

const std::optional<std::string>& GttCmdline::pages_limit_for(TtmModule m) const {
  return m == TtmModule::kTtm ? ttm_pages_limit : amdttm_pages_limit;
}

GttCmdline gtt_cmdline(const std::vector<KernelParam>& params) {
  const auto get = [&](std::string_view name) -> std::optional<std::string> {
    if (!has_kernel_param(params, name)) return std::nullopt;
    return kernel_param_value(params, name).value_or("");
  };
  return GttCmdline{get("ttm.pages_limit"), get("amdttm.pages_limit"), get("amdgpu.gttsize"),
                    get("amdgpu.gtt_size")};
}

}  // namespace llmon::tuning
