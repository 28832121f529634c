// Word splitting, UTF-8, names and specifiers: the building blocks of systemd's setting parsers.
#include <doctest/doctest.h>

#include <string>

#include "collectors/tuning/unit_lookup.hpp"
#include "collectors/tuning/unit_words.hpp"

using namespace llmon::tuning;
using Words = std::vector<std::string>;

TEST_CASE("unit words: separators, quotes and escapes") {
  CHECK(split_words("  a \t b\n").words == Words{"a", "b"});
  CHECK(split_words("").words.empty());
  CHECK(split_words("\"\"").words == Words{""});  // an empty quoted word is a word
  CHECK(split_words("'a b'\"c d\"e").words == Words{"a bc de"});
  CHECK(split_words(R"("a\"b" 'c\'d')").words == Words{"a\"b", "c'd"});
  CHECK(split_words(R"(\101\x42\u00e9\U0001F600\a\b\f\v\r)").words ==
        Words{"AB\xc3\xa9\xf0\x9f\x98\x80\a\b\f\v\r"});

  const WordSplit bad = split_words(R"(ok "open)");
  CHECK(bad.words == Words{"ok"});
  CHECK(bad.error == "unbalanced quoting");
  CHECK(split_words(R"(a \z)").error == "unknown escape sequence \\z");
  CHECK(split_words(R"(\x4)").error.find("unknown escape") == 0);   // too short
  CHECK(split_words(R"(\400)").error.find("unknown escape") == 0);  // above 255
  CHECK(split_words(R"(\u0000)").error.find("unknown escape") == 0);
}

TEST_CASE("unit words: UTF-8 validity as systemd's utf8_is_valid") {
  CHECK(utf8_valid(""));
  CHECK(utf8_valid("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK(utf8_valid("\xef\xbb\xbf"));            // U+FEFF is allowed
  CHECK_FALSE(utf8_valid("\xff"));              // not a lead byte
  CHECK_FALSE(utf8_valid("\xc3"));              // truncated
  CHECK_FALSE(utf8_valid("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(utf8_valid("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(utf8_valid("\xef\xbf\xbe"));      // U+FFFE
  CHECK_FALSE(utf8_valid("\xef\xb7\x90"));      // U+FDD0
  CHECK_FALSE(utf8_valid("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(utf8_valid(std::string("a\0b", 3)));
}

TEST_CASE("unit words: variable names and assignments") {
  CHECK(env_name_valid("OLLAMA_NUM_PARALLEL"));
  CHECK(env_name_valid("_x1"));
  CHECK_FALSE(env_name_valid(""));
  CHECK_FALSE(env_name_valid("1X"));
  CHECK_FALSE(env_name_valid("A-B"));
  CHECK_FALSE(env_name_valid("A B"));
  CHECK(env_assignment_valid("A="));
  CHECK(env_assignment_valid("A=\x01\n\t"));  // control characters are fine in values
  CHECK_FALSE(env_assignment_valid("A"));
  CHECK_FALSE(env_assignment_valid("=1"));
  CHECK_FALSE(env_assignment_valid("A=\xff"));
}

TEST_CASE("unit words: User= names as systemd's relaxed check") {
  for (const char* ok : {"ollama", "a b", "1000", "0", "4294967294", "x-1", "_", "\xc3\xa9"}) {
    CHECK_MESSAGE(user_name_valid(ok), ok);
  }
  for (const char* bad : {"", "65535", "4294967295", "99999999999", "-1", "-", ".", "..", "a:b",
                          "a/b", " a", "a ", "a\tb", "\xff"}) {
    CHECK_MESSAGE(!user_name_valid(bad), bad);
  }
}

TEST_CASE("unit words: messages show hostile text safely") {
  CHECK(printable("ok \xc3\xa9") == "ok \xc3\xa9");
  CHECK(printable("a\x01\x7f\xff") == "a\\x01\\x7f\\xff");
  // C1 controls (a CSI here) are escaped; the next code point, U+00A0, is printable.
  CHECK(printable("a\xc2\x9b"
                  "31m\xc2\xa0") ==
        "a\\xc2\\x9b"
        "31m\xc2\xa0");
  const std::string shown = printable(std::string(1000, 'x'));
  CHECK(shown.size() < 130);
  CHECK(shown.substr(shown.size() - 3) == "...");
}

TEST_CASE("unit names: validity, parts, unescaping") {
  CHECK(unit_name_valid("ollama.service"));
  CHECK(unit_name_valid("getty@tty1.service"));
  CHECK(unit_name_valid("getty@.service"));
  CHECK_FALSE(unit_name_valid("ollama"));
  CHECK_FALSE(unit_name_valid("ollama.conf"));
  CHECK_FALSE(unit_name_valid("../etc/passwd.service"));
  CHECK_FALSE(unit_name_valid("a/b.service"));
  CHECK_FALSE(unit_name_valid(".service"));
  CHECK_FALSE(unit_name_valid(std::string(300, 'a') + ".service"));
  const UnitNameParts p = split_unit_name("foo-bar@inst.service");
  CHECK(p.prefix == "foo-bar");
  CHECK(p.instance == "inst");
  CHECK(p.type == "service");
  CHECK(p.templated);
  CHECK(unit_name_unescape("a\\x2db\\x2f\\xzz") == "a-b/\\xzz");
}

TEST_CASE("unit names: drop-in directories, most specific first") {
  CHECK(dropin_dir_names("ollama.service") == Words{"ollama.service.d"});
  CHECK(dropin_dir_names("foo-bar-baz.service") ==
        Words{"foo-bar-baz.service.d", "foo-bar-.service.d", "foo-.service.d"});
  CHECK(dropin_dir_names("-foo.service") == Words{"-foo.service.d"});
  CHECK(dropin_dir_names("foo@x.service") == Words{"foo@x.service.d", "foo@.service.d"});
  CHECK(dropin_dir_names("not a unit").empty());
}
