// The kernel command line as the kernel splits it, kernel number parsing, and the TTM/amdgpu
// knobs read from scratch procfs/sysfs trees.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "collectors/tuning/kernel_params.hpp"
#include "tuning_test_support.hpp"

using namespace llmon;
using namespace llmon::tuning;
using llmon::test::TempTree;

namespace {

struct P {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const KernelParam& p) const { return name == p.name && value == p.value; }
};

void check_params(std::string_view cmdline, const std::vector<P>& expected) {
  const auto got = parse_kernel_cmdline(cmdline);
  CAPTURE(cmdline);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(expected[i].name == got[i].name);
    CHECK(expected[i].value == got[i].value);
  }
}

}  // namespace

TEST_CASE("kernel cmdline: words, values, bare flags and the trailing newline") {
  check_params(
      "BOOT_IMAGE=/vmlinuz-6.18.4 root=UUID=1234 ro quiet splash ttm.pages_limit=25165824\n",
      {{"BOOT_IMAGE", "/vmlinuz-6.18.4"},
       {"root", "UUID=1234"},
       {"ro", std::nullopt},
       {"quiet", std::nullopt},
       {"splash", std::nullopt},
       {"ttm.pages_limit", "25165824"}});
  check_params("", {});
  check_params(" \t\n ", {});
  check_params("a= b", {{"a", ""}, {"b", std::nullopt}});
}

TEST_CASE("kernel cmdline: double quotes as next_arg handles them") {
  check_params(R"(param="a b" next)", {{"param", "a b"}, {"next", std::nullopt}});
  check_params(R"("param=a b" next)", {{"param", "a b"}, {"next", std::nullopt}});
  check_params(R"("quoted word" x)", {{"quoted word", std::nullopt}, {"x", std::nullopt}});
  // Quotes inside a value stay; there is no escape.
  check_params(R"(p=a" "b q)", {{"p", "a\" \"b"}, {"q", std::nullopt}});
  check_params(R"(p=\"x)", {{"p", "\\\"x"}});
  check_params(R"(p="unterminated value)", {{"p", "unterminated value"}});
  check_params(R"(p=")", {{"p", ""}});
  check_params(R"(")", {});
}

TEST_CASE("kernel cmdline: names normalized like parameq, '=' first in a word does not split") {
  check_params("amd-ttm.pages-limit=1 amdgpu.gtt_size=2 amdgpu.gttsize=3",
               {{"amd_ttm.pages_limit", "1"}, {"amdgpu.gtt_size", "2"}, {"amdgpu.gttsize", "3"}});
  check_params("=a=b =c", {{"=a", "b"}, {"=c", std::nullopt}});
}

TEST_CASE("kernel cmdline: `--` ends the kernel's parameters, init gets the rest") {
  check_params("quiet -- ttm.pages_limit=1 single", {{"quiet", std::nullopt}});
  check_params("quiet \"--\" x", {{"quiet", std::nullopt}});
  check_params("a --=1 b", {{"a", std::nullopt}, {"__", "1"}, {"b", std::nullopt}});
}

TEST_CASE("kernel cmdline: the kernel's isspace includes 0xA0, other bytes are kept") {
  // "\xC3\xA0" (UTF-8 a-grave) ends in 0xA0: the kernel splits there.
  check_params("a=\xC3\xA0z b", {{"a", "\xC3"}, {"z", std::nullopt}, {"b", std::nullopt}});
  check_params("a=\xff\xfe\x01", {{"a", "\xff\xfe\x01"}});
  check_params(
      "a\vb\fc\rd",
      {{"a", std::nullopt}, {"b", std::nullopt}, {"c", std::nullopt}, {"d", std::nullopt}});
  std::string huge;
  for (int i = 0; i < 10000; ++i) huge += "p" + std::to_string(i) + "=\"v v\" ";
  CHECK(parse_kernel_cmdline(huge).size() == 10000);
}

TEST_CASE("kernel cmdline: lookups take the last occurrence and normalize the name") {
  const auto p = parse_kernel_cmdline("ttm.pages_limit=1 ttm.pages-limit=2 flag");
  CHECK(kernel_param_value(p, "ttm.pages_limit") == "2");
  CHECK(kernel_param_value(p, "ttm-pages_limit") == std::nullopt);
  CHECK(kernel_param_value(p, "ttm.pages-limit") == "2");
  CHECK(has_kernel_param(p, "flag"));
  CHECK_FALSE(kernel_param_value(p, "flag"));
  CHECK_FALSE(has_kernel_param(p, "amdttm.pages_limit"));
}

TEST_CASE("kernel numbers: kstrtoul and kstrtoint base 0") {
  CHECK(parse_kernel_ulong("25165824") == 25165824u);
  CHECK(parse_kernel_ulong("25165824\n") == 25165824u);
  CHECK(parse_kernel_ulong("0x1800000") == 0x1800000u);
  CHECK(parse_kernel_ulong("0X10") == 16u);
  CHECK(parse_kernel_ulong("010") == 8u);
  CHECK(parse_kernel_ulong("0") == 0u);
  CHECK(parse_kernel_ulong("+5") == 5u);
  CHECK(parse_kernel_ulong("18446744073709551615") == 18446744073709551615u);
  CHECK_FALSE(parse_kernel_ulong("18446744073709551616"));
  CHECK_FALSE(parse_kernel_ulong("08"));
  CHECK_FALSE(parse_kernel_ulong("0x"));
  CHECK_FALSE(parse_kernel_ulong("-1"));
  CHECK_FALSE(parse_kernel_ulong(" 1"));
  CHECK_FALSE(parse_kernel_ulong("1\n\n"));
  CHECK_FALSE(parse_kernel_ulong("96G"));
  CHECK_FALSE(parse_kernel_ulong(""));
  CHECK(parse_kernel_int("-1\n") == -1);
  CHECK(parse_kernel_int("2147483647") == 2147483647);
  CHECK(parse_kernel_int("-2147483648") == -2147483648LL);
  CHECK_FALSE(parse_kernel_int("2147483648"));
  CHECK_FALSE(parse_kernel_int("--1"));
}

TEST_CASE("kernel state: an in-tree driver box with ttm.pages_limit that took effect") {
  TempTree proc, sys;
  proc.write("cmdline", "BOOT_IMAGE=/vmlinuz ro ttm.pages_limit=25165824 amdgpu.gttsize=98304\n");
  proc.write("sys/kernel/osrelease", "6.18.4-arch1-1\n");
  sys.write("module/ttm/parameters/pages_limit", "25165824\n");
  sys.write("module/ttm/parameters/page_pool_size", "0x1800000\n");
  sys.write("module/amdgpu/parameters/gttsize", "-1\n");
  const auto k = read_kernel_state(proc.root(), sys.root());
  REQUIRE(k.cmdline.value);
  CHECK(k.cmdline.value->size() == 4);
  CHECK(k.release.value == "6.18.4-arch1-1");
  CHECK(k.ttm.present);
  CHECK(k.ttm.pages_limit.value == 25165824u);
  CHECK(k.ttm.page_pool_size.value == 0x1800000u);
  CHECK_FALSE(k.amdttm.present);
  CHECK(k.amdttm.pages_limit.status == ReadStatus::kNotFound);
  CHECK(k.amdgpu_gttsize.value == -1);
  CHECK(k.amdgpu_dkms_version.status == ReadStatus::kNotFound);
  CHECK(k.page_size == static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
  CHECK(live_ttm_module(k) == TtmModule::kTtm);
  const auto g = gtt_cmdline(*k.cmdline.value);
  CHECK(g.ttm_pages_limit == "25165824");
  CHECK_FALSE(g.amdttm_pages_limit);
  CHECK(g.amdgpu_gttsize == "98304");
  CHECK_FALSE(g.amdgpu_gtt_size);
  CHECK(g.pages_limit_for(TtmModule::kTtm) == "25165824");
}

TEST_CASE("kernel state: the DKMS driver, where ttm.pages_limit is silently ignored") {
  TempTree proc, sys;
  proc.write("cmdline", "quiet ttm.pages_limit=25165824 amdgpu.gtt_size=96000 amdgpu.gttsize\n");
  sys.write("module/ttm/parameters/pages_limit", "12288000\n");
  sys.write("module/amdttm/parameters/pages_limit", "16777216\n");
  sys.write("module/amdgpu/version", "6.16.6\n");
  sys.write("module/amdgpu/parameters/gttsize", "garbage\n");
  const auto k = read_kernel_state(proc.root(), sys.root());
  CHECK(live_ttm_module(k) == TtmModule::kAmdttm);
  CHECK(ttm_module_name(*live_ttm_module(k)) == "amdttm");
  CHECK(k.amdttm.pages_limit.value == 16777216u);
  CHECK(k.amdgpu_dkms_version.value == "6.16.6");
  CHECK_FALSE(k.amdgpu_gttsize.value);
  CHECK(k.amdgpu_gttsize.status == ReadStatus::kOk);  // there, but malformed
  CHECK(k.amdgpu_gttsize.error.find("not a number") != std::string::npos);
  const auto g = gtt_cmdline(*k.cmdline.value);
  CHECK_FALSE(g.pages_limit_for(TtmModule::kAmdttm));  // the knob that matters is missing
  CHECK(g.amdgpu_gtt_size == "96000");
  CHECK(g.amdgpu_gttsize == "");  // bare
  CHECK(k.release.status == ReadStatus::kNotFound);
}

TEST_CASE("kernel state: nothing there is absent with reasons, never zero") {
  TempTree proc, sys;
  const auto k = read_kernel_state(proc.root(), sys.root());
  CHECK_FALSE(k.cmdline.value);
  CHECK(k.cmdline.status == ReadStatus::kNotFound);
  CHECK_FALSE(k.cmdline.error.empty());
  CHECK_FALSE(k.ttm.present);
  CHECK_FALSE(live_ttm_module(k));
  CHECK_FALSE(k.amdgpu_gttsize.value);
  CHECK(k.page_size > 0);
}

TEST_CASE("kernel state: gttsize is mode 0600, so a non-root reader gets an error, not -1") {
  TempTree proc, sys;
  const auto path = sys.write("module/amdgpu/parameters/gttsize", "-1\n");
  ::chmod(path.c_str(), 0600);
  ::chmod(sys.root().c_str(), 0755);
  for (auto p = path.parent_path(); p != sys.root(); p = p.parent_path()) ::chmod(p.c_str(), 0755);
  const int code = test::run_as_nobody([&] {
    const auto k = read_kernel_state(proc.root(), sys.root());
    if (k.amdgpu_gttsize.value) return 1;
    if (k.amdgpu_gttsize.status != ReadStatus::kError) return 2;
    return k.amdgpu_gttsize.error.find("Permission denied") != std::string::npos ? 0 : 3;
  });
  if (code == -1) {
    MESSAGE("cannot drop privileges here; skipped");
    return;
  }
  CHECK(code == 0);
}
