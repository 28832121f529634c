// load_unit on unit directories built by the tests. The layouts
// and expected results mirror experiments run on a real systemd 252 (see the e2e test
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

TEST_CASE("load_unit: the first directory holding the unit wins, and unknown units are not-found") {
  UnitBox box;
  UnitBox::service(box.usr("ollama.service"), "usr");
  UnitBox::service(box.etc("ollama.service"), "etc");
  const UnitFileSet u = load_unit("ollama.service", box.dirs(), box.root());
  CHECK(u.state == UnitLoadState::kLoaded);
  CHECK(u.fragment == box.etc("ollama.service"));
  CHECK(env_of(u.environment) == "BASE=etc");
  CHECK(u.environment[0].source.where() == box.etc("ollama.service").string() + ":3");
  REQUIRE(u.exec_start);
  CHECK(u.exec_start->value == "/bin/true");

  const UnitFileSet none = load_unit("absent.service", box.dirs(), box.root());
  CHECK(none.state == UnitLoadState::kNotFound);
  CHECK(none.fragment.empty());
  CHECK(none.names == std::vector<std::string>{"absent.service"});

  const UnitFileSet bad = load_unit("../../etc/passwd", box.dirs(), box.root());
  CHECK(bad.state == UnitLoadState::kNotFound);
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].message == "not a valid unit name");
}

TEST_CASE("load_unit: masks by an empty file or a symlink to /dev/null") {
  UnitBox box;
  UnitBox::write(box.etc("m1.service"), "");
  UnitBox::service(box.usr("m2.service"), "usr");
  UnitBox::link(box.etc("m2.service"), "/dev/null");
  UnitBox::write(box.etc("service.d/10-x.conf"), "[Service]\nEnvironment=X=type\n");
  for (const char* name : {"m1.service", "m2.service"}) {
    const UnitFileSet u = load_unit(name, box.dirs(), box.root());
    CHECK(u.state == UnitLoadState::kMasked);
    CHECK(u.fragment == box.etc(name));
    CHECK(env_of(u.environment) == "X=type");  // systemd still reads the drop-ins of a mask
  }
  // Without a root, the kernel follows the link to the real /dev/null.
  CHECK(load_unit("m2.service", box.dirs()).state == UnitLoadState::kMasked);
}

TEST_CASE("load_unit: drop-ins override by file name across directories, apply in name order") {
  UnitBox box;
  UnitBox::service(box.usr("p1.service"), "usr");
  UnitBox::write(box.etc("p1.service.d/10-x.conf"), "[Service]\nEnvironment=X=etc\n");
  UnitBox::write(box.usr("p1.service.d/10-x.conf"), "[Service]\nEnvironment=X=usr\n");
  UnitBox::write(box.usr("p1.service.d/20-y.conf"), "[Service]\nEnvironment=Y=usr\n");
  UnitBox::link(box.etc("p1.service.d/20-y.conf"), "/dev/null");
  UnitBox::write(box.run("p1.service.d/05-z.conf"), "[Service]\nEnvironment=Z=run\n");
  UnitBox::write(box.etc("service.d/10-x.conf"), "[Service]\nEnvironment=X=typeetc T=type\n");
  UnitBox::write(box.etc("service.d/30-t.conf"), "[Service]\nEnvironment=T2=type\n");
  UnitBox::write(box.etc("service.d/40-q.conf"), "[Service]\nEnvironment=Q=typeetc\n");
  UnitBox::write(box.usr("p1.service.d/40-q.conf"), "[Service]\nEnvironment=Q=usrspecific\n");
  UnitBox::write(box.usr("p1.service.d/50-n.cfg"), "[Service]\nEnvironment=N=notconf\n");
  UnitBox::write(box.usr("p1.service.d/.hidden.conf"), "[Service]\nEnvironment=H=1\n");
  UnitBox::write(box.usr("p1.service.d/99-x.conf"), "[Service]\nEnvironment=X=usrlast\n");
  const UnitFileSet u = load_unit("p1.service", box.dirs(), box.root());
  // What systemd 252 reported for the same tree (Environment= and DropInPaths).
  CHECK(env_of(u.environment) == "BASE=usr Z=run X=usrlast T2=type Q=usrspecific");
  CHECK(relative(box, u.dropins) ==
        std::vector<std::string>{"run/systemd/system/p1.service.d/05-z.conf",
                                 "etc/systemd/system/p1.service.d/10-x.conf",
                                 "etc/systemd/system/p1.service.d/20-y.conf",
                                 "etc/systemd/system/service.d/30-t.conf",
                                 "usr/lib/systemd/system/p1.service.d/40-q.conf",
                                 "usr/lib/systemd/system/p1.service.d/99-x.conf"});
  CHECK(u.files.size() == 7);
  CHECK(u.problems.empty());
}

TEST_CASE("load_unit: prefix drop-ins of dashed names, longer prefixes first") {
  UnitBox box;
  UnitBox::service(box.usr("foo-bar-baz.service"), "prefix");
  UnitBox::write(box.etc("foo-.service.d/10-p.conf"), "[Service]\nEnvironment=P=foo- P1=foo-\n");
  UnitBox::write(box.etc("foo-bar-.service.d/10-p.conf"), "[Service]\nEnvironment=P=foo-bar-\n");
  UnitBox::write(box.usr("foo-bar-baz.service.d/10-p.conf"), "[Service]\nEnvironment=P=own\n");
  UnitBox::write(box.etc("foo-.service.d/20-q.conf"), "[Service]\nEnvironment=Q=foo-\n");
  const UnitFileSet u = load_unit("foo-bar-baz.service", box.dirs(), box.root());
  CHECK(env_of(u.environment) == "BASE=prefix P=foo-bar- Q=foo-");
  CHECK(relative(box, u.dropins) ==
        std::vector<std::string>{"etc/systemd/system/foo-bar-.service.d/10-p.conf",
                                 "etc/systemd/system/foo-.service.d/20-q.conf"});
}

TEST_CASE("load_unit: aliases, linked unit files, templates, loops") {
  UnitBox box;
  UnitBox::service(box.usr("real.service"), "real");
  UnitBox::link(box.etc("ali.service"), "/usr/lib/systemd/system/real.service");
  UnitBox::write(box.etc("ali.service.d/10-a.conf"), "[Service]\nEnvironment=A=alias N=%n\n");
  for (const char* name : {"real.service", "ali.service"}) {
    const UnitFileSet u = load_unit(name, box.dirs(), box.root());
    CHECK(u.id == "real.service");
    CHECK(u.names == std::vector<std::string>{"real.service", "ali.service"});
    CHECK(u.fragment == box.usr("real.service"));
    CHECK(env_of(u.environment) == "BASE=real A=alias N=real.service");
  }

  UnitBox::service(box.root() / "opt/lnk/lnk.service", "linked");
  UnitBox::link(box.etc("lnk.service"), "/opt/lnk/lnk.service");
  const UnitFileSet lnk = load_unit("lnk.service", box.dirs(), box.root());
  CHECK(lnk.state == UnitLoadState::kLoaded);
  CHECK(lnk.fragment == box.etc("lnk.service"));  // systemd reports the link, not its target
  CHECK(env_of(lnk.environment) == "BASE=linked");

  UnitBox::write(box.usr("getty@.service"), "[Service]\nEnvironment=TTY=%i UNIT=%n\n");
  UnitBox::write(box.etc("getty@tty1.service.d/x.conf"), "[Service]\nEnvironment=ONE=1\n");
  UnitBox::write(box.etc("getty@.service.d/y.conf"), "[Service]\nEnvironment=ALL=1\n");
  const UnitFileSet inst = load_unit("getty@tty1.service", box.dirs(), box.root());
  CHECK(inst.fragment == box.usr("getty@.service"));
  CHECK(env_of(inst.environment) == "TTY=tty1 UNIT=getty@tty1.service ONE=1 ALL=1");

  UnitBox::link(box.etc("dangling.service"), "/opt/nowhere/dangling.service");
  const UnitFileSet dangling = load_unit("dangling.service", box.dirs(), box.root());
  CHECK(dangling.state == UnitLoadState::kNotFound);  // as systemd reports it
  CHECK(dangling.fragment.empty());
  REQUIRE(dangling.problems.size() == 1);
  CHECK(dangling.problems[0].message.find("symlink to a missing file") == 0);

  UnitBox::link(box.etc("loop1.service"), "loop2.service");
  UnitBox::link(box.etc("loop2.service"), "loop1.service");
  const UnitFileSet loop = load_unit("loop1.service", box.dirs(), box.root());
  CHECK(loop.state == UnitLoadState::kNotFound);
  REQUIRE_FALSE(loop.problems.empty());
  CHECK(loop.problems[0].message.find("loop") != std::string::npos);

  UnitBox::link(box.etc("self.service"), "self.service");  // self-alias: skipped, /usr wins
  UnitBox::service(box.usr("self.service"), "self");
  CHECK(load_unit("self.service", box.dirs(), box.root()).fragment == box.usr("self.service"));
}

TEST_CASE("load_unit: a bad main file fails the unit, a bad drop-in only loses its rest") {
  UnitBox box;
  UnitBox::write(box.etc("e7.service"),
                 "[Service]\nExecStart=/bin/true\nEnvironment=A1=1\n[Serv\"ice]\nUser=x\n");
  UnitBox::write(box.etc("e7.service.d/a.conf"), "[Service]\nEnvironment=D=1\n");
  const UnitFileSet e7 = load_unit("e7.service", box.dirs(), box.root());
  CHECK(e7.state == UnitLoadState::kError);
  CHECK(e7.dropins.empty());
  CHECK(e7.problems.back().where() == box.etc("e7.service").string() + ":4");
  CHECK(e7.problems.back().message.find("systemd refuses the unit (LoadState=error)") !=
        std::string::npos);

  UnitBox::write(box.etc("e8.service"), "[Service]\nExecStart=/bin/true\nEnvironment=A1=1\n");
  UnitBox::write(box.etc("e8.service.d/10-bad.conf"),
                 "[Service]\nEnvironment=D1=1\n[Bad\nUser=x\n");
  UnitBox::write(box.etc("e8.service.d/20-good.conf"), "[Service]\nEnvironment=D2=2\n");
  fs::create_directories(box.etc("e8.service.d/30-dir.conf"));
  const UnitFileSet e8 = load_unit("e8.service", box.dirs(), box.root());
  CHECK(e8.state == UnitLoadState::kLoaded);
  CHECK(env_of(e8.environment) == "A1=1 D1=1 D2=2");
  CHECK_FALSE(e8.user);
  REQUIRE(e8.dropins.size() == 3);  // systemd lists a directory named *.conf too
  REQUIRE(e8.problems.size() == 2);
  CHECK(e8.problems[0].where() == box.etc("e8.service.d/10-bad.conf").string() + ":3");
  CHECK(e8.problems[0].message.find("the rest of this drop-in is ignored") != std::string::npos);
  CHECK(e8.problems[1].message.find("cannot read") != std::string::npos);
}

TEST_CASE("load_unit: settings systemd refuses make the unit bad-setting") {
  UnitBox box;
  SUBCASE("an invalid User= in the main file: reading stops there, no drop-ins") {
    UnitBox::write(
        box.etc("u.service"),
        "[Service]\nExecStart=/bin/true\nEnvironment=A=1\nUser=65535\nEnvironment=B=2\n");
    UnitBox::write(box.etc("u.service.d/x.conf"), "[Service]\nEnvironment=C=3\n");
    const UnitFileSet u = load_unit("u.service", box.dirs(), box.root());
    CHECK(u.state == UnitLoadState::kBadSetting);
    CHECK(env_of(u.environment) == "A=1");
    CHECK(u.dropins.empty());
    CHECK(u.problems.back().where() == box.etc("u.service").string() + ":4");
    CHECK(u.problems.back().message.find("LoadState=bad-setting") != std::string::npos);
  }
  SUBCASE("an unknown specifier in User=") {
    UnitBox::write(box.etc("u.service"), "[Service]\nExecStart=/bin/true\nUser=%Z\n");
    CHECK(load_unit("u.service", box.dirs(), box.root()).state == UnitLoadState::kBadSetting);
  }
  SUBCASE("an invalid User= in a drop-in only ends that drop-in") {
    UnitBox::write(box.etc("u.service"), "[Service]\nExecStart=/bin/true\nEnvironment=A=1\n");
    UnitBox::write(box.etc("u.service.d/10.conf"),
                   "[Service]\nEnvironment=B=1\nUser=a:b\nEnvironment=C=1\n");
    UnitBox::write(box.etc("u.service.d/20.conf"), "[Service]\nEnvironment=D=1\n");
    const UnitFileSet u = load_unit("u.service", box.dirs(), box.root());
    CHECK(u.state == UnitLoadState::kLoaded);
    CHECK(env_of(u.environment) == "A=1 B=1 D=1");
    CHECK_FALSE(u.user);
  }
  SUBCASE("no command: ExecStart= missing, reset, or unparsable") {
    for (const char* text :
         {"[Service]\nEnvironment=A=1\n", "[Service]\nExecStart=/bin/true\nExecStart=\n",
          "[Service]\nExecStart=\"/bin/true\n", "[Service]\nExecStart=/bin/true \"x\n"}) {
      UnitBox::write(box.etc("n.service"), text);
      const UnitFileSet u = load_unit("n.service", box.dirs(), box.root());
      CHECK(u.state == UnitLoadState::kBadSetting);
      CHECK(u.problems.back().message.find("no ExecStart=") != std::string::npos);
    }
    UnitBox::write(box.etc("n.service"), "[Service]\nExecStop=/bin/true\n");
    CHECK(load_unit("n.service", box.dirs(), box.root()).state == UnitLoadState::kLoaded);
    UnitBox::write(box.etc("n.socket"), "[Socket]\nListenStream=1\n");  // not a service
    CHECK(load_unit("n.socket", box.dirs(), box.root()).state == UnitLoadState::kLoaded);
  }
}

TEST_CASE("load_unit: resets, later values, case typos and unknown sections") {
  UnitBox box;
  UnitBox::write(box.usr("o.service"),
                 "[Unit]\nDescription=x\n[Service]\nUser=root\nExecStart=-/usr/bin/ollama serve\n"
                 "Environment=A=1 B=2\nUnsetEnvironment=X\nEnvironmentFile=-/etc/default/o\n");
  UnitBox::write(box.etc("o.service.d/override.conf"),
                 "[Service]\nEnvironment=\nEnvironment=C=3\nUser=ollama\nUnsetEnvironment=\n"
                 "EnvironmentFile=\nEnvironmentFile=/etc/default/o2\nExecStart=\n"
                 "ExecStart=@/usr/local/bin/ollama ollama serve\nenvironment=D=4\n"
                 "[service]\nEnvironment=E=5\n");
  const UnitFileSet u = load_unit("o.service", box.dirs(), box.root());
  CHECK(env_of(u.environment) == "C=3");
  REQUIRE(u.user);
  CHECK(u.user->value == "ollama");
  CHECK(u.unset_environment.empty());
  REQUIRE(u.environment_files.size() == 1);
  CHECK(u.environment_files[0].path == "/etc/default/o2");
  CHECK_FALSE(u.environment_files[0].optional);
  REQUIRE(u.exec_start);
  CHECK(u.exec_start->value == "/usr/local/bin/ollama");
  REQUIRE(u.problems.size() == 2);  // in line order
  CHECK(u.problems[0].message.find("case-sensitive: Environment=") != std::string::npos);
  CHECK(u.problems[0].line == 10);
  CHECK(u.problems[1].message.find("unknown section [service]") != std::string::npos);
  CHECK(u.problems[1].line == 11);
}

TEST_CASE("load_unit: drop-in directories are named with their symlinks resolved") {
  // Debian's merged /usr: /lib -> usr/lib, and systemd 252 searches /lib before /usr/lib. It
  // names the main file by the directory it was found in, drop-ins by their resolved directory.
  UnitBox box;
  fs::create_directory_symlink("usr/lib", box.root() / "lib");
  const std::vector<fs::path> dirs{box.etc(""), box.root() / "lib/systemd/system", box.usr("")};
  UnitBox::service(box.usr("rc-local.service"), "x");
  UnitBox::write(box.usr("rc-local.service.d/debian.conf"), "[Service]\nEnvironment=D=1\n");
  fs::create_directories(box.root() / "opt/dropins");
  UnitBox::write(box.root() / "opt/dropins/extra.conf", "[Service]\nEnvironment=E=1\n");
  fs::create_directory_symlink("/opt/dropins", box.etc("rc-local.service.d"));
  const UnitFileSet u = load_unit("rc-local.service", dirs, box.root());
  CHECK(u.fragment == box.root() / "lib/systemd/system/rc-local.service");
  CHECK(relative(box, u.dropins) ==
        std::vector<std::string>{"usr/lib/systemd/system/rc-local.service.d/debian.conf",
                                 "opt/dropins/extra.conf"});
  CHECK(env_of(u.environment) == "BASE=x D=1 E=1");
}

TEST_CASE("load_unit: files that never end or never answer are bounded, not waited for") {
  UnitBox box;
  UnitBox::service(box.etc("h.service"), "x");
  UnitBox::link(box.etc("h.service.d/10-zero.conf"), "/dev/zero");
  fs::create_directories(box.etc("h.service.d"));
  REQUIRE(::mkfifo(box.etc("h.service.d/20-fifo.conf").c_str(), 0600) == 0);
  UnitBox::write(box.etc("h.service.d/30-ok.conf"),
                 "[Service]\nEnvironmentFile=/dev/zero\nEnvironmentFile=" +
                     box.etc("h.service.d/20-fifo.conf").string() + "\n");
  const UnitFileSet u = load_unit("h.service", box.dirs());  // no root: the real /dev/zero
  CHECK(u.state == UnitLoadState::kLoaded);
  CHECK(u.dropins.size() == 3);
  REQUIRE_FALSE(u.problems.empty());
  CHECK(u.problems[0].message.find("larger than") != std::string::npos);
  const UnitEnvironment e = effective_unit_environment(u);
  CHECK(env_of(e.variables) == "BASE=x");
  REQUIRE(e.start_error);
  CHECK(e.start_error->find("/dev/zero") != std::string::npos);
}

TEST_CASE("load_unit: UnsetEnvironment= keeps each entry once, where it first appeared") {
  UnitBox box;
  UnitBox::write(box.etc("u.service"),
                 "[Service]\nExecStart=/bin/true\nUnsetEnvironment=A B A X=1\n");
  UnitBox::write(box.etc("u.service.d/x.conf"), "[Service]\nUnsetEnvironment=B C X=1 X\n");
  const UnitFileSet u = load_unit("u.service", box.dirs(), box.root());
  std::vector<std::string> entries;
  for (const auto& e : u.unset_environment) entries.push_back(e.value);
  CHECK(entries == std::vector<std::string>{"A", "B", "X=1", "C", "X"});
}
