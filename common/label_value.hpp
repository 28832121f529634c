#pragma once
// Label values that come from outside llmon (model names, versions, digests, environment values,
// GPU names, error texts...) made fit for an exposition: valid UTF-8, no control characters, at
// most kMaxLabelValueBytes bytes, the same input always giving the same value. FamilySet applies
// label_value to every label value it is given. Pure functions.
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

// A text from outside as llmon keeps it in memory and logs: itself when at most `keep` bytes
// (unchanged), else its label_value. Parsers bound every field with it, so a hostile document
// cannot make llmon hold megabytes per field after parsing.
std::string bounded_text(std::string_view raw, std::size_t keep);

}  // namespace llmon
