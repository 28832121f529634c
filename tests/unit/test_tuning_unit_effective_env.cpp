// effective_unit_environment on unit directories built by the tests (unit_box_test_support.hpp).
// The layouts and expected results mirror experiments run on a real systemd 252 (see the e2e test
// tests/e2e/test_systemd_units.sh, which compares load_unit with systemd on a booted system).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "collectors/tuning/unit_resolve.hpp"
#include "unit_box_test_support.hpp"

using namespace llmon;
using namespace llmon::tuning;
namespace fs = std::filesystem;

TEST_CASE("effective_unit_environment: files override Environment=, then UnsetEnvironment=") {
  UnitBox box;
  UnitBox::write(box.etc("e9.service"),
                 "[Service]\nEnvironment=ENV_OVR=env KEEP=1 RM1=a RM2=b RM3=c\n"
                 "EnvironmentFile=/etc/default/e9\nEnvironmentFile=-/etc/default/missing\n"
                 "EnvironmentFile=/etc/default/e9b\nEnvironmentFile=-/etc/default/e9g*\n"
                 "UnsetEnvironment=RM1 RM2=wrong RM3=c NOTSET\n",
                 1700000000);
  UnitBox::write(box.root() / "etc/default/e9", "ENV_OVR=file\nF1=1\n1BAD=x\n", 1700000100);
  UnitBox::write(box.root() / "etc/default/e9b", "ENV_OVR=file2\nF2=2\n", 1700000050);
  UnitBox::write(box.root() / "etc/default/e9g2", "G=g2\n", 1700000010);
  UnitBox::write(box.root() / "etc/default/e9g1", "G=g1\n", 1700000020);
  const UnitFileSet u = load_unit("e9.service", box.dirs(), box.root());
  const UnitEnvironment e = effective_unit_environment(u);
  CHECK(env_of(e.variables) == "ENV_OVR=file2 KEEP=1 RM2=b F1=1 F2=2 G=g2");
  CHECK_FALSE(e.start_error);
  CHECK(e.variables[0].source.where() == (box.root() / "etc/default/e9b").string() + ":1");
  CHECK(e.variables[1].source.where() == box.etc("e9.service").string() + ":2");
  REQUIRE(e.problems.size() == 1);  // 1BAD
  CHECK(e.problems[0].where() == (box.root() / "etc/default/e9").string() + ":3");
  REQUIRE(e.environment_files.size() == 4);  // e9, e9b, e9g1, e9g2 (the missing one is absent)
  REQUIRE(e.newest);
  CHECK(e.newest->path == box.root() / "etc/default/e9");
  CHECK(e.newest->mtime_usec == 1700000100LL * 1000000);
}

TEST_CASE("effective_unit_environment: what makes systemd fail the start") {
  UnitBox box;
  UnitBox::write(
      box.etc("s.service"),
      "[Service]\nEnvironment=A=1\nEnvironmentFile=/etc/default/nul\n"
      "EnvironmentFile=-/etc/default/nul_optional\nEnvironmentFile=/etc/default/absent\n");
  UnitBox::write(box.root() / "etc/default/nul", std::string("X=1\0\n", 5));
  UnitBox::write(box.root() / "etc/default/nul_optional", std::string("Y=1\0\n", 5));
  const UnitFileSet u = load_unit("s.service", box.dirs(), box.root());
  const UnitEnvironment e = effective_unit_environment(u);
  CHECK(env_of(e.variables) == "A=1");
  REQUIRE(e.start_error);
  CHECK(e.start_error->find("EnvironmentFile=/etc/default/nul") == 0);
  CHECK(e.start_error->find("NUL byte") != std::string::npos);
  CHECK(e.problems.size() == 2);  // nul and absent; the optional one is skipped silently

  SUBCASE("a file the reader may not read") {
    UnitBox::write(box.etc("p.service"), "[Service]\nEnvironmentFile=/etc/default/secret\n");
    const auto denied = [](const fs::path& p) {
      return ReadResult{ReadStatus::kError, {}, p.string() + ": Permission denied"};
    };
    const UnitEnvironment d =
        effective_unit_environment(load_unit("p.service", box.dirs(), box.root()), denied);
    REQUIRE(d.start_error);
    CHECK(d.start_error->find("Permission denied") != std::string::npos);
  }
}

TEST_CASE("effective_unit_environment: newest file among the unit and its drop-ins") {
  UnitBox box;
  UnitBox::write(box.usr("ollama.service"), "[Service]\nExecStart=/usr/bin/ollama serve\n",
                 1700000000);
  UnitBox::write(box.etc("ollama.service.d/override.conf"),
                 "[Service]\nEnvironment=\"OLLAMA_NUM_PARALLEL=2\"\n", 1700000500);
  const UnitFileSet u = load_unit("ollama.service", box.dirs(), box.root());
  REQUIRE(u.files.size() == 2);
  CHECK(u.files[0].mtime_usec == 1700000000LL * 1000000);
  const UnitEnvironment e = effective_unit_environment(u);
  REQUIRE(e.newest);
  CHECK(e.newest->path == box.etc("ollama.service.d/override.conf"));
  CHECK(e.newest->mtime_usec == 1700000500LL * 1000000);
  CHECK(env_of(e.variables) == "OLLAMA_NUM_PARALLEL=2");
}

TEST_CASE("effective_unit_environment: a file of 100000 variables is read in linear time") {
  UnitBox box;
  std::string unit = "[Service]\nExecStart=/bin/true\nEnvironmentFile=/etc/default/big\n";
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "V" + std::to_string(i) + "=\n";  // ~0.9 MiB
  for (int i = 0; i < 2000; ++i) unit += "Environment=V" + std::to_string(i) + "=unit\n";
  UnitBox::write(box.etc("big.service"), unit);
  UnitBox::write(box.root() / "etc/default/big", big);
  const auto start = std::chrono::steady_clock::now();
  const UnitEnvironment e =
      effective_unit_environment(load_unit("big.service", box.dirs(), box.root()));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(e.variables.size() == 100000);
  CHECK(e.variables[0].value.empty());  // the file overrides Environment=, in place
  CHECK(took < 3.0);                    // a list searched per assignment took minutes
}
