#pragma once
// Label values that come from outside llmon (model names, versions, digests, environment values,
// GPU names, error texts...) made fit for an exposition: valid UTF-8, no control characters, at
// most kMaxLabelValueBytes bytes, the same input always giving the same value. FamilySet applies
// label_value to every label value it is given. Pure functions; BoundedText is a plain value
// (not thread-safe, like any value being built).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmon {

inline constexpr std::size_t kMaxLabelValueBytes = 256;

// The rule (docs/metrics.md, "Label values"):
// - a byte that does not start a valid UTF-8 sequence (a stray continuation byte, an overlong
//   form, a surrogate, a code point past U+10FFFF, a sequence cut short) becomes U+FFFD;
// - a C0 control character or DEL becomes its Control Pictures symbol (U+2400 + code, DEL
//   U+2421: ESC reads "␛", NUL "␀", a tab "␉"), a C1 control (U+0080-U+009F) becomes U+FFFD;
// - a value still longer than kMaxLabelValueBytes keeps its longest prefix of whole characters
//   that leaves room for "…" and the 8 hex digits of label_hash(the whole original value), which
//   follow it: two long values that share a prefix stay two series.
// label_value(label_value(x)) == label_value(x).
std::string label_value(std::string_view raw);

// The top 32 bits of the 64-bit FNV-1a hash of `raw`, as 8 lower-case hex digits.
std::string label_hash(std::string_view raw);

// A text that arrives in parts (a streaming JSON parser's string pieces), held in bounded
// memory: the whole text when it is at most `keep` bytes, else only what its label_value needs.
class BoundedText {
 public:
  // `keep` below kMaxLabelValueBytes is raised to it.
  explicit BoundedText(std::size_t keep);
  void append(std::string_view part);
  // The text itself (unchanged, not sanitised) when it was at most `keep` bytes long, else its
  // label_value. Resets the builder.
  std::string finish();
  std::size_t size() const { return size_; }

 private:
  std::size_t keep_;
  std::string kept_;
  std::uint64_t hash_;
  std::size_t size_ = 0;
};

}  // namespace llmon
