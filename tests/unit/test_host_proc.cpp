#include <doctest/doctest.h>

#include "collectors/host/meminfo.hpp"
#include "collectors/process/proc_stat.hpp"

using namespace llmon;

TEST_CASE("meminfo: kB values become bytes, unitless values stay, junk is skipped") {
  const auto m = host::parse_meminfo(
      "MemTotal:       131072000 kB\n"
      "MemFree:         1000 kB\n"
      "MemAvailable:   98765432 kB\n"
      "SwapTotal:             0 kB\n"
      "HugePages_Total:       4\n"
      "garbage line\n"
      "Broken:   abc kB\n"
      "Weird:   12 MB\n");
  CHECK(m.at("MemTotal") == 131072000ULL * 1024);
  CHECK(m.at("MemAvailable") == 98765432ULL * 1024);
  CHECK(m.at("SwapTotal") == 0);
  CHECK(m.at("HugePages_Total") == 4);
  CHECK(m.count("Broken") == 0);
  CHECK(m.count("Weird") == 0);
  CHECK(host::parse_meminfo("").empty());
  CHECK(host::parse_meminfo("Huge: 99999999999999999999 kB\n").empty());
}

TEST_CASE("proc stat: a comm with spaces and parentheses is parsed from the last ')'") {
  const std::string stat =
      "4242 (ollama (runner) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
      "250 150 0 0 20 0 12 0 9876 123456789 2048 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 "
      "17 3 0 0 0 0 0\n";
  const auto st = proc::parse_pid_stat(stat);
  REQUIRE(st);
  CHECK(st->comm == "ollama (runner) x");
  CHECK(st->state == 'S');
  CHECK(st->utime_ticks == 250);
  CHECK(st->stime_ticks == 150);
  CHECK(st->starttime_ticks == 9876);
  CHECK(st->vsize_bytes == 123456789);
  CHECK(st->rss_pages == 2048);
  CHECK_FALSE(proc::parse_pid_stat("4242 (x) S 1 2 3"));
  CHECK_FALSE(proc::parse_pid_stat("no parens at all"));
  CHECK_FALSE(proc::parse_pid_stat(""));
}

TEST_CASE("proc stat: boot time and open file limit") {
  CHECK(*proc::parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1763900000\nprocesses 9\n") ==
        1763900000);
  CHECK_FALSE(proc::parse_boot_time("cpu 1\n"));
  const std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n";
  CHECK(*proc::parse_max_open_files(limits) == 1024);
  CHECK_FALSE(proc::parse_max_open_files("Max open files  unlimited unlimited files\n"));
}

TEST_CASE("proc stat: this process reads through the real /proc") {
  const auto u = proc::read_process_usage("/proc", "self");
  CHECK(u.resident_bytes.value_or(0) > 0);
  CHECK(u.virtual_bytes.value_or(0) > 0);
  CHECK(u.open_fds.value_or(0) >= 3);
  CHECK(u.start_time_seconds.value_or(0) > 1.6e9);
  CHECK_THROWS_AS(proc::read_process_usage("/nonexistent", "self"), std::runtime_error);
}
