// Environment=, EnvironmentFile= and UnsetEnvironment= parsing, against systemd 252's behaviour
// (each case was checked with `systemctl show` and `env -0` in a real systemd 252 container).
#include <doctest/doctest.h>

#include <string>

#include "collectors/tuning/unit_environment.hpp"

using namespace llmon::tuning;
using namespace std::string_literals;

namespace {

std::string joined(const std::vector<EnvAssignment>& vars) {
  std::string out;
  for (const auto& v : vars) out += (out.empty() ? "" : " | ") + v.name + "=" + v.value;
  return out;
}

const UnitNameInfo kUnit{"e1.service", "/etc/systemd/system/e1.service"};

}  // namespace

TEST_CASE("Environment=: several assignments, quotes anywhere in a word, no $ expansion") {
  const auto p =
      parse_environment_value(R"(A1="x y" A2='s q' "A3=w z" A4=a"b c"d G3=$HOME G4=${X})");
  CHECK(joined(p.assignments) == "A1=x y | A2=s q | A3=w z | A4=ab cd | G3=$HOME | G4=${X}");
  CHECK(p.problems.empty());
  CHECK_FALSE(p.reset);
}

TEST_CASE("Environment=: C escapes inside and outside quotes") {
  const auto p = parse_environment_value(
      R"(B1=\t B2=\x41 B3=\u00e9 B4=\101 B5="tab\there" B6='sq\n' B7=\s G1=\x01)");
  CHECK(joined(p.assignments) ==
        "B1=\t | B2=A | B3=\xc3\xa9 | B4=A | B5=tab\there | B6=sq\n | B7=  | G1=\x01");
}

TEST_CASE("Environment=: an unknown escape or unbalanced quote drops the rest of the value") {
  auto p = parse_environment_value(R"(C1=1 C2=\q C3=3)");
  CHECK(joined(p.assignments) == "C1=1");
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0].find("invalid syntax") != std::string::npos);

  p = parse_environment_value(R"(D1=1 D2="unbalanced D3=3)");
  CHECK(joined(p.assignments) == "D1=1");
  REQUIRE(p.problems.size() == 1);

  p = parse_environment_value(R"(V1=\x00 V2=after)");  // NUL escapes are refused
  CHECK(p.assignments.empty());
  p = parse_environment_value(R"(U1=ok U3=\U0010ffff U4=after)");  // a noncharacter
  CHECK(joined(p.assignments) == "U1=ok");
  p = parse_environment_value("C1=1\\");  // a trailing backslash (after trimming)
  CHECK(p.assignments.empty());
}

TEST_CASE("Environment=: invalid assignments are skipped one by one") {
  const auto p = parse_environment_value("E1=1 1E=2 E-3=3 noequal E4=4 =5 E5= G2=\\xff U1=\\ud800");
  CHECK(joined(p.assignments) == "E1=1 | E4=4 | E5=");
  CHECK(p.problems.size() == 6);  // 1E, E-3, noequal, =5, G2 (not UTF-8), U1 (a surrogate)
  CHECK(p.problems[0] == "invalid environment assignment '1E=2', ignored");
  CHECK(p.problems[4] == "invalid environment assignment 'G2=\\xff', ignored");
}

TEST_CASE("Environment=: an empty value resets, blanks only too") {
  CHECK(parse_environment_value("").reset);
  CHECK(parse_environment_value("  \t").reset);
  CHECK_FALSE(parse_environment_value("A=").reset);
}

TEST_CASE("Environment=: specifiers") {
  const auto p = parse_environment_value(
      "F1=%n F2=%N F3=%p F4=%i F6=%% F7=x% F10=%y F11=%j F12=%f F13=%E F14=%t F15=%Y", kUnit);
  CHECK(joined(p.assignments) ==
        "F1=e1.service | F2=e1 | F3=e1 | F4= | F6=% | F7=x% | "
        "F10=/etc/systemd/system/e1.service | F11=e1 | F12=/e1 | F13=/etc | F14=/run | "
        "F15=/etc/systemd/system");
  CHECK(p.problems.empty());

  SUBCASE("an unknown specifier drops that assignment only") {
    const auto q = parse_environment_value("F7=1 F8=%Z F9=2", kUnit);
    CHECK(joined(q.assignments) == "F7=1 | F9=2");
    REQUIRE(q.problems.size() == 1);
    CHECK(q.problems[0].find("unknown specifier %Z") != std::string::npos);
  }
  SUBCASE("'%' before anything but a letter or digit stays as written") {
    const auto q = parse_environment_value("P=%-% Q=%;=x R=%\xc3\xa9 S=%1", kUnit);
    CHECK(joined(q.assignments) == "P=%-% | Q=%;=x | R=%\xc3\xa9");
    REQUIRE(q.problems.size() == 1);  // %1: digits are specifiers, and there is none
    CHECK(q.problems[0].find("unknown specifier %1") != std::string::npos);
  }
  SUBCASE("host and user specifiers are kept as written, with a warning") {
    const auto q = parse_environment_value("H=%H:%h:%H", kUnit);
    CHECK(joined(q.assignments) == "H=%H:%h:%H");
    REQUIRE(q.problems.size() == 1);
    CHECK(q.problems[0].find("%H %h not expanded") != std::string::npos);
  }
  SUBCASE("instances, prefixes and escapes") {
    const UnitNameInfo inst{"foo-bar@a\\x2db-c.service", ""};
    const auto q = parse_environment_value("I=%i UI=%I P=%p J=%j F=%f N=%N", inst);
    CHECK(joined(q.assignments) ==
          "I=a\\x2db-c | UI=a-b-c | P=foo-bar | J=bar | F=/a-b/c | N=foo-bar@a\\x2db-c");
  }
}

TEST_CASE("EnvironmentFile= contents as systemd 252 reads them") {
  const std::string text =
      "# comment \\\n"
      "NOTCOMMENT=1\n"
      "export EXP=1\n"
      "PLAIN=a b  \n"
      "SQ='single \\n $x'\n"
      "DQ=\"dq \\$HOME \\\" \\\\ \\n end\"\n"
      "CONT=a\\\n"
      "b\n"
      "MULTI=\"line1\n"
      "line2\"\n"
      "  SPACED  =  v  \n"
      "NOEQ\n"
      "1BAD=x\n"
      "EMPTY=\n"
      "QMID=a\"b c\"d\n"
      "QCAT=\"x\" \"y\"\n"
      "ESC=a\\tb\\\\c\n"
      "DUP=1\n"
      "DUP=2\n"
      "; semi\n"
      "AFTER_HASH=a #b\n"
      "TRAIL=x\\ \n"
      "INL=\x01"
      "ctl\n";
  const EnvFileParse p = parse_environment_file(text);
  REQUIRE_FALSE(p.fatal);
  CHECK(joined(p.assignments) ==
        "PLAIN=a b | SQ=single \\n $x | DQ=dq $HOME \" \\ \\n end | CONT=ab | MULTI=line1\nline2 "
        "| SPACED=v | EMPTY= | QMID=a\"b c\"d | QCAT=xy | ESC=atb\\c | DUP=1 | DUP=2 | "
        "AFTER_HASH=a #b | TRAIL=x  | INL=\x01"
        "ctl");
  REQUIRE(p.problems.size() == 2);
  CHECK(p.problems[0].line == 3);
  CHECK(p.problems[0].message == "invalid environment assignment 'export EXP=1', ignored");
  CHECK(p.problems[1].line == 13);
  // Line numbers of the names.
  CHECK(p.assignments[0].line == 4);
  CHECK(p.assignments[4].line == 9);   // MULTI starts on line 9
  CHECK(p.assignments[5].line == 11);  // SPACED
}

TEST_CASE("EnvironmentFile= contents: CRLF, quotes left open, what refuses the whole file") {
  auto p = parse_environment_file("CR1=a\r\nCR2=\"b\"\r\nCR3=c \r\n");
  CHECK(joined(p.assignments) == "CR1=a | CR2=b | CR3=c");
  p = parse_environment_file("UT1=\"never closed\nUT2=x\n");
  CHECK(joined(p.assignments) == "UT1=never closed\nUT2=x\n");
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0].message.find("quote not closed") != std::string::npos);

  p = parse_environment_file("OK1=a\nNUL=\0\nOK2=b\n"s);
  CHECK(p.assignments.empty());
  REQUIRE(p.fatal);
  CHECK(p.fatal->message.find("NUL") != std::string::npos);

  p = parse_environment_file("OK1=a\nBAD=\xff\nOK2=b\n");
  CHECK(p.assignments.empty());
  REQUIRE(p.fatal);
  CHECK(p.fatal->line == 2);

  p = parse_environment_file("");
  CHECK(p.assignments.empty());
  CHECK_FALSE(p.fatal);
  p = parse_environment_file("A=1");  // no final newline
  CHECK(joined(p.assignments) == "A=1");
  p = parse_environment_file("A=1 \\");  // an escape at the very end
  CHECK(joined(p.assignments) == "A=1 ");
}

TEST_CASE("EnvironmentFile= setting: '-' prefix, specifiers, simplification, resets") {
  auto e = parse_environment_file_entry("-/etc/default/ollama");
  CHECK(e.path == "/etc/default/ollama");
  CHECK(e.optional);
  e = parse_environment_file_entry("/etc//default/./%N b", kUnit);
  CHECK(e.path == "/etc/default/e1 b");
  CHECK_FALSE(e.optional);
  CHECK(parse_environment_file_entry("").reset);
  for (const char* bad : {"relative/path", "-", "-relative"}) {
    e = parse_environment_file_entry(bad);
    CHECK(e.path.empty());
    CHECK(e.problem.find("not absolute") != std::string::npos);
  }
  e = parse_environment_file_entry("-/etc/./y/");
  CHECK(e.path == "/etc/y");
  for (const char* bad : {"/etc/../x", "/..", "/a/.."}) {
    e = parse_environment_file_entry(bad);
    CHECK(e.path.empty());
    CHECK(e.problem.find("not normalized") != std::string::npos);
  }
  e = parse_environment_file_entry("/etc/%Z");
  CHECK(e.path.empty());
  CHECK(e.problem.find("unknown specifier") != std::string::npos);
}

TEST_CASE("UnsetEnvironment=: names and exact assignments") {
  const UnsetParse u = parse_unset_environment("RM1 RM2=wrong \"B C\" 1X X=1=2 %n", kUnit);
  CHECK(u.entries == std::vector<std::string>{"RM1", "RM2=wrong", "X=1=2"});
  CHECK(u.problems.size() == 3);  // "B C", 1X and e1.service
  CHECK(parse_unset_environment("").reset);

  CHECK(unset_matches("RM1", "RM1", "anything"));
  CHECK_FALSE(unset_matches("RM1", "RM10", "a"));
  CHECK(unset_matches("RM3=c", "RM3", "c"));
  CHECK_FALSE(unset_matches("RM2=wrong", "RM2", "b"));
  CHECK(unset_matches("X=1=2", "X", "1=2"));
}
