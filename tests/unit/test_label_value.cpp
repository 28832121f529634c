#include <doctest/doctest.h>

#include "common/label_value.hpp"
#include "common/metrics.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using llmon::test::has;
using llmon::test::render;

namespace {

// Valid UTF-8 without C0, DEL or C1 control characters.
bool clean(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;
  }
  return label_value(s) == s;  // well-formed and short: unchanged
}

}  // namespace

TEST_CASE("label values: ordinary values are unchanged") {
  for (const char* v : {"", "qwen3-coder:30b-a3b-q8_0", "hf.co/unsloth/Qwen3-GGUF:Q4_K_M",
                        "AMD Radeon 8060S", "6.8.0-49-generic", "Ünïcødé ✓ 日本語 🦙"}) {
    CAPTURE(v);
    CHECK(label_value(v) == v);
  }
  const std::string exact(kMaxLabelValueBytes, 'a');
  CHECK(label_value(exact) == exact);
}

TEST_CASE("label values: control characters become visible symbols, deterministically") {
  CHECK(label_value(std::string("a\0b", 3)) ==
        "a\xE2\x90\x80"
        "b");                                                  // ␀
  CHECK(label_value("red\x1b[31m") == "red\xE2\x90\x9B[31m");  // ␛
  CHECK(label_value("tab\there\nnl") == "tab\xE2\x90\x89here\xE2\x90\x8Anl");
  CHECK(label_value("del\x7f") == "del\xE2\x90\xA1");      // ␡
  CHECK(label_value("c1\xC2\x85x") == "c1\xEF\xBF\xBDx");  // NEL, a C1 control: U+FFFD
  CHECK(label_value("\xC2\xA0nbsp") == "\xC2\xA0nbsp");    // U+00A0 is not a control
  // Two values differing only in their control character stay distinct.
  CHECK(label_value("m\x01") != label_value("m\x02"));
}

TEST_CASE("label values: invalid UTF-8 becomes U+FFFD, byte by byte") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(label_value("a\xFF"
                    "b") == "a" + fffd + "b");
  CHECK(label_value("\x80") == fffd);                                   // stray continuation
  CHECK(label_value("\xC0\xAF") == fffd + fffd);                        // overlong '/'
  CHECK(label_value("\xED\xA0\x80") == fffd + fffd + fffd);             // a surrogate
  CHECK(label_value("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // past U+10FFFF
  CHECK(label_value("cut\xE6\x97") == "cut" + fffd + fffd);             // a sequence cut short
  CHECK(clean(label_value("\xFE\xFF\xC3")));
}

TEST_CASE("label values: long values are cut at a character boundary with a hash") {
  const std::string a = std::string(300, 'x') + "-a";
  const std::string b = std::string(300, 'x') + "-b";
  const std::string la = label_value(a);
  CHECK(la.size() <= kMaxLabelValueBytes);
  CHECK(la == std::string(245, 'x') + "\xE2\x80\xA6" + label_hash(a));
  CHECK(label_value(b) != la);   // two long names sharing a prefix: two series
  CHECK(label_value(a) == la);   // deterministic
  CHECK(label_value(la) == la);  // idempotent
  CHECK(label_hash(a).size() == 8);
  // Multi-byte characters are never split: 3-byte "語" repeated.
  std::string cjk;
  for (int i = 0; i < 200; ++i) cjk += "\xE8\xAA\x9E";
  const std::string lc = label_value(cjk);
  CHECK(lc.size() <= kMaxLabelValueBytes);
  CHECK(clean(lc));
  CHECK(lc.substr(0, 243) == cjk.substr(0, 243));  // 81 whole characters, then "…"
  CHECK(lc.substr(243, 3) == "\xE2\x80\xA6");
  // Expanded by sanitising past the limit: shortened too, hash of the original.
  const std::string controls(200, '\x1b');
  CHECK(label_value(controls).size() <= kMaxLabelValueBytes);
  CHECK(has(label_value(controls), label_hash(controls)));
  // A 4 MB value costs no more than its prefix.
  const std::string huge(4'000'000, 'm');
  CHECK(label_value(huge) == std::string(245, 'm') + "\xE2\x80\xA6" + label_hash(huge));
}

TEST_CASE("label values: bounded_text keeps a text up to its limit, else its label value") {
  // Up to `keep` bytes the text itself is kept, control characters and all.
  const std::string name = "model\x01" + std::string(500, 'n');
  CHECK(bounded_text(name, 1024) == name);
  const std::string huge = std::string(4'000'000, 'e') + "\x1b";
  CHECK(bounded_text(huge, 1024) == label_value(huge));
  CHECK(bounded_text(huge, 1024).size() <= kMaxLabelValueBytes);
}

TEST_CASE("label values: FamilySet cleans every label value it is given") {
  FamilySet set;
  set.gauge("llmon_test_info", "Test.",
            {{"model", std::string(4'000'000, 'q')}, {"version", std::string("0.1\0\x1b", 5)}},
            1.0);
  const std::string text = render(set.take());
  CHECK(text.size() < 1024);
  CHECK(has(text, "version=\"0.1\xE2\x90\x80\xE2\x90\x9B\""));
  CHECK(has(text, "\xE2\x80\xA6" + label_hash(std::string(4'000'000, 'q')) + "\""));
}
