// parse_unit_file against systemd 252's config parser. Every expectation here was checked on a
// real systemd 252 (Debian bookworm, in systemd-nspawn) with `systemctl show` and its journal.
#include <doctest/doctest.h>

#include <string>

#include "collectors/tuning/unit_syntax.hpp"

using namespace llmon::tuning;
using namespace std::string_literals;

namespace {

// "Section/Key=value@line" for each assignment, joined by " | ".
std::string summary(const UnitFile& f) {
  std::string out;
  for (const auto& a : f.assignments) {
    if (!out.empty()) out += " | ";
    out += a.section + "/" + a.key + "=" + a.value + "@" + std::to_string(a.line);
  }
  return out;
}

}  // namespace

TEST_CASE("unit syntax: sections, assignments, comments and blanks") {
  const UnitFile f = parse_unit_file(
      "# a comment\n"
      "; another\n"
      "[Unit]\n"
      "Description = Ollama  \n"
      "\n"
      "   # an indented comment\n"
      "[Service]\n"
      "\tEnvironment=A=1\n"
      "ExecStart=/usr/bin/ollama serve\n"
      "Environment=\n",
      "/etc/systemd/system/ollama.service");
  CHECK(summary(f) ==
        "Unit/Description=Ollama@4 | Service/Environment=A=1@8 | "
        "Service/ExecStart=/usr/bin/ollama serve@9 | Service/Environment=@10");
  REQUIRE(f.sections.size() == 2);
  CHECK(f.sections[1].name == "Service");
  CHECK(f.sections[1].line == 7);
  CHECK(f.problems.empty());
  CHECK_FALSE(f.fatal);
}

TEST_CASE("unit syntax: a trailing backslash continues the line, comment lines in between skip") {
  const UnitFile f = parse_unit_file(
      "[Service]\n"
      "Environment=A1=1 \\\n"
      "# comment inside\n"
      "; another\n"
      "   A2=2\n"
      "Environment=B1=1 \\\n"
      "\n"
      "Environment=B2=2\n"
      "Environment=C1=1\\ \n"
      "Environment=C2=1\\\\\n"
      "Environment=F1=\"x \\\n"
      "   y\"\n",
      "u");
  REQUIRE(f.assignments.size() == 6);
  // The backslash becomes a space; blanks around the join are kept.
  CHECK(f.assignments[0].value == "A1=1     A2=2");
  CHECK(f.assignments[0].line == 2);
  CHECK(f.assignments[1].value == "B1=1");  // an empty line ends the continuation
  CHECK(f.assignments[2].value == "B2=2");
  CHECK(f.assignments[3].value == "C1=1\\");    // backslash then a blank: not a continuation
  CHECK(f.assignments[4].value == "C2=1\\\\");  // an escaped backslash does not continue
  CHECK(f.assignments[5].value == "F1=\"x     y\"");
  CHECK(f.assignments[5].line == 11);
}

TEST_CASE("unit syntax: a continuation dangling at the end of the file is still parsed") {
  const UnitFile f = parse_unit_file("[Service]\nEnvironment=LAST=1 \\", "u");
  REQUIRE(f.assignments.size() == 1);
  CHECK(f.assignments[0].value == "LAST=1");
}

TEST_CASE("unit syntax: CR, CRLF, LFCR and NUL end lines as systemd's read_line") {
  const std::string text =
      "[Service]\r\nEnvironment=A1=1\rEnvironment=A2=2\n\rEnvironment=A3=3\0Environment=A4=4\0\n"
      "Environment=A5=5 \\\r\n A6=6\n\nEnvironment=A7=7"s;
  const UnitFile f = parse_unit_file(text, "u");
  CHECK(summary(f) ==
        "Service/Environment=A1=1@2 | Service/Environment=A2=2@3 | Service/Environment=A3=3@4 | "
        "Service/Environment=A4=4@5 | Service/Environment=A5=5   A6=6@7 | "
        "Service/Environment=A7=7@10");
}

TEST_CASE("unit syntax: the first byte order mark starting a line is skipped, once") {
  UnitFile f = parse_unit_file("\xEF\xBB\xBF[Service]\nUser=ollama\n", "u");
  CHECK(summary(f) == "Service/User=ollama@2");
  CHECK_FALSE(f.fatal);
  f = parse_unit_file(
      "[Service]\nA=1\n\xEF\xBB\xBF"
      "B=2\n\xEF\xBB\xBF"
      "C=3\n",
      "u");
  CHECK(summary(f) ==
        "Service/A=1@2 | Service/B=2@3 | Service/\xEF\xBB\xBF"
        "C=3@4");
}

TEST_CASE("unit syntax: ignored lines are located problems, parsing goes on") {
  const UnitFile f = parse_unit_file(
      "Environment=Z0=outside\n"
      "[Service]\n"
      "noequalsign\n"
      "=novalue\n"
      "User=ollama\n",
      "/etc/x.service");
  CHECK(summary(f) == "Service/User=ollama@5");
  REQUIRE(f.problems.size() == 3);
  CHECK(f.problems[0].where() == "/etc/x.service:1");
  CHECK(f.problems[0].message.find("outside of any section") != std::string::npos);
  CHECK(f.problems[1].where() == "/etc/x.service:3");
  CHECK(f.problems[1].message.find("missing '='") != std::string::npos);
  CHECK(f.problems[2].message.find("missing key name") != std::string::npos);
}

TEST_CASE("unit syntax: section names are kept as written, unknown ones included") {
  const UnitFile f =
      parse_unit_file("[service]\nEnvironment=B1=lower\n[]\nA=1\n[X-Foo]\nB=2\n", "u");
  CHECK(summary(f) == "service/Environment=B1=lower@2 | /A=1@4 | X-Foo/B=2@6");
  CHECK_FALSE(f.fatal);
}

TEST_CASE("unit syntax: systemd stops at an invalid section header or a line that is not UTF-8") {
  SUBCASE("unterminated header") {
    const UnitFile f = parse_unit_file("[Service]\nEnvironment=A1=1\n[Service\nUser=x\n", "f");
    CHECK(summary(f) == "Service/Environment=A1=1@2");
    REQUIRE(f.fatal);
    CHECK(f.fatal->where() == "f:3");
    CHECK(f.fatal->message.find("invalid section header") != std::string::npos);
  }
  SUBCASE("text after the bracket") {
    const UnitFile f = parse_unit_file("[Service] x\nUser=x\n", "f");
    CHECK(f.assignments.empty());
    REQUIRE(f.fatal);
  }
  SUBCASE("quotes, backslashes or control characters in a header") {
    for (const char* header : {"[Serv\"ice]", "[Serv'ice]", "[Serv\\ice]", "[Serv\x01ice]"}) {
      const UnitFile f = parse_unit_file(std::string(header) + "\nUser=x\n", "f");
      CHECK(f.assignments.empty());
      REQUIRE(f.fatal);
      CHECK(f.fatal->message.find("bad characters") != std::string::npos);
    }
  }
  SUBCASE("invalid UTF-8") {
    const UnitFile f =
        parse_unit_file("[Service]\nEnvironment=A1=1\nEnvironment=A2=\xff\xfe\nUser=x\n", "f");
    CHECK(summary(f) == "Service/Environment=A1=1@2");
    REQUIRE(f.fatal);
    CHECK(f.fatal->line == 3);
  }
  SUBCASE("invalid UTF-8 in a comment is fine") {
    const UnitFile f = parse_unit_file("[Service]\n# \xff\nUser=x\n", "f");
    CHECK(summary(f) == "Service/User=x@3");
    CHECK_FALSE(f.fatal);
  }
}

TEST_CASE("unit syntax: hostile input stays bounded and never crashes") {
  SUBCASE("a file over the size limit is refused whole") {
    const std::string big = "[Service]\n" + std::string(kMaxUnitFileBytes, '#');
    const UnitFile f = parse_unit_file(big, "big");
    CHECK(f.assignments.empty());
    REQUIRE(f.fatal);
    CHECK(f.fatal->line == 0);
  }
  SUBCASE("a long line just under the limit") {
    const std::string value(kMaxUnitFileBytes - 40, 'v');
    const UnitFile f = parse_unit_file("[Service]\nEnvironment=A=" + value + "\n", "long");
    REQUIRE(f.assignments.size() == 1);
    CHECK(f.assignments[0].value.size() == value.size() + 2);
  }
  SUBCASE("a long run of continuations is joined in linear time") {
    std::string text = "[Service]\nEnvironment=A=1";
    for (int i = 0; i < 200000; ++i) text += " \\\n";
    const UnitFile f = parse_unit_file(text, "cont");
    REQUIRE(f.assignments.size() == 1);
    CHECK(f.assignments[0].value == "A=1");
  }
  SUBCASE("a long section name is not copied into every assignment after it") {
    // Each assignment carries its section's name: a 64 KiB name over 4000 short lines would
    // make 256 MiB of output from 80 KiB of input (a 1 MiB file: tens of GiB).
    std::string text = "[" + std::string(64 * 1024, 's') + "]\n";
    for (int i = 0; i < 4000; ++i) text += "A=1\n";
    text += "[Service]\nUser=x\n";
    const UnitFile f = parse_unit_file(text, "long-section");
    std::size_t bytes = 0;
    for (const auto& a : f.assignments) bytes += a.section.size() + a.key.size() + a.value.size();
    for (const auto& s : f.sections) bytes += s.name.size();
    CHECK(bytes <= 2 * text.size());
    REQUIRE(f.sections.size() == 2);
    CHECK(f.sections[0].name.size() == 64 * 1024);
    REQUIRE(f.assignments.size() == 1);
    CHECK(summary(f) == "Service/User=x@4003");
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0].where() == "long-section:1");
    CHECK(f.problems[0].message.find("longer than 64 bytes") != std::string::npos);
    CHECK_FALSE(f.fatal);
  }
  SUBCASE("a section name of kMaxSectionNameBytes keeps its assignments, one byte more not") {
    const std::string name(kMaxSectionNameBytes, 'X');
    CHECK(parse_unit_file("[" + name + "]\nA=1\n", "u").assignments.size() == 1);
    const UnitFile f = parse_unit_file("[" + name + "Y]\nA=1\n", "u");
    CHECK(f.assignments.empty());
    CHECK(f.sections.size() == 1);
  }
  SUBCASE("only separators, only NULs, a lone bracket") {
    for (const std::string& text :
         {"\n\n\r\r\0\0"s, std::string(1000, '\0'), "["s, "]"s, "[\n"s, "\\"s, "=\n"s}) {
      const UnitFile f = parse_unit_file(text, "x");
      CHECK(f.assignments.empty());
    }
  }
}
