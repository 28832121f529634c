#pragma once
// The kernel command line as the kernel parses it, and the GTT/TTM knobs of the running kernel
// and amdgpu driver through procfs/sysfs roots. Pure parsers plus one stateless reader; safe to
// call from any thread.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs.hpp"

namespace llmon::tuning {

// One kernel parameter. `name` is normalized with '-' as '_' (the kernel's parameq treats them
// alike, module name included: "amd-ttm.pages-limit" is amd_ttm.pages_limit); `value` is absent
// for a bare word ("quiet") and has its quotes removed.
struct KernelParam {
  std::string name;
  std::optional<std::string> value;
};

// The parameters of a /proc/cmdline in order, as lib/cmdline.c next_arg and kernel/params.c
// parse_args split them: whitespace is the kernel's isspace (which includes 0xA0); double quotes
// protect spaces and cannot be escaped (`p="a b"`, `"p=a b"`, `p=a" "b` keeps inner quotes);
// a bare `--` ends the kernel's parameters (the rest goes to init and is not returned). Empty
// names are dropped. Linear in the input; the reader bounds its size.
std::vector<KernelParam> parse_kernel_cmdline(std::string_view text);

// The value of the last `name` (normalized like KernelParam::name): a module parameter given
// twice takes the last one. nullopt when absent or bare.
std::optional<std::string> kernel_param_value(const std::vector<KernelParam>& params,
                                              std::string_view name);
bool has_kernel_param(const std::vector<KernelParam>& params, std::string_view name);

// An unsigned long as the kernel's param_set_ulong reads it (kstrtoul base 0: "0x" hex, a
// leading 0 octal, else decimal; an optional '+' and one trailing newline).
std::optional<std::uint64_t> parse_kernel_ulong(std::string_view s);
// An int as param_set_int reads it (kstrtoint base 0, with '-').
std::optional<std::int64_t> parse_kernel_int(std::string_view s);

// One sysfs/procfs value: read and parsed, or the reason it is not there.
template <typename T>
struct Reading {
  std::optional<T> value;                     // set when read and well-formed
  ReadStatus status = ReadStatus::kNotFound;  // kOk with no value: the content was malformed
  std::string error;                          // "path: reason" when value is absent
};

// The TTM memory manager's module parameters: `ttm` (in-tree) or `amdttm` (AMD's DKMS driver).
struct TtmParams {
  bool present = false;                   // {sysfs}/module/<name> exists
  Reading<std::uint64_t> pages_limit;     // in pages, not bytes: multiply by page_size
  Reading<std::uint64_t> page_pool_size;  // in pages
};

struct KernelState {
  Reading<std::vector<KernelParam>> cmdline;  // {procfs}/cmdline
  Reading<std::string> release;               // {procfs}/sys/kernel/osrelease, "6.18.4-arch1-1"
  TtmParams ttm;
  TtmParams amdttm;
  // {sysfs}/module/amdgpu/parameters/gttsize in MiB, -1 = unset. Mode 0600: unreadable (kError,
  // "Permission denied") unless llmon runs as root; kNotFound on kernels that dropped it.
  Reading<std::int64_t> amdgpu_gttsize;
  // {sysfs}/module/amdgpu/version: only AMD's DKMS driver has it (the in-tree one does not).
  Reading<std::string> amdgpu_dkms_version;
  // sysconf(_SC_PAGESIZE) of this machine: what the live pages_limit counts in.
  std::uint64_t page_size = 0;
};

// Reads everything above; never throws, each value says why it is missing.
KernelState read_kernel_state(const std::filesystem::path& procfs_root,
                              const std::filesystem::path& sysfs_root);

enum class TtmModule { kTtm, kAmdttm };
std::string_view ttm_module_name(TtmModule m);  // "ttm" | "amdttm"

// Which module's pages_limit governs amdgpu's GTT: amdttm when it is loaded (the DKMS driver
// links against it, and a `ttm.` setting is then silently ignored), else ttm; nullopt when
// neither is in sysfs (no TTM user loaded, or a fixture without it).
std::optional<TtmModule> live_ttm_module(const KernelState& k);

// The GTT-related words of a kernel command line, for the gtt_limit check. Absent when not
// there; a bare word (no '=') is present with an empty value.
struct GttCmdline {
  std::optional<std::string> ttm_pages_limit;     // ttm.pages_limit
  std::optional<std::string> amdttm_pages_limit;  // amdttm.pages_limit (DKMS driver)
  std::optional<std::string> amdgpu_gttsize;      // deprecated: "please use ttm.pages_limit"
  std::optional<std::string> amdgpu_gtt_size;     // a typo: "unknown parameter ... ignored"

  // The cmdline pages_limit of `m`, for comparing with the live value.
  const std::optional<std::string>& pages_limit_for(TtmModule m) const;
};
GttCmdline gtt_cmdline(const std::vector<KernelParam>& params);

}  // namespace llmon::tuning
