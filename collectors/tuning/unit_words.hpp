#pragma once
// systemd 252's word-level rules, as its unit-file settings apply them: splitting a value into
// words (extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE), C escapes, UTF-8 and
// variable-name validity, and unit specifiers (%n, %i, ...). Pure functions; safe from any thread.
#include <string>
#include <string_view>
#include <vector>

namespace llmon::tuning {

// The words of a setting value. Quotes (single or double, anywhere in a word) group text and
// are removed; C escapes (systemd.syntax(7) table) are decoded inside and outside quotes. An
// unbalanced quote or an unknown escape stops the split: systemd then ignores the rest of the
// value ("Invalid syntax, ignoring") but keeps the words before it, and so does this.
struct WordSplit {
  std::vector<std::string> words;
  std::string error;  // empty, or why the split stopped early
};
WordSplit split_words(std::string_view text);

// UTF-8 as systemd's utf8_is_valid accepts it: no overlong forms, surrogates, code points above
// U+10FFFF or noncharacters (U+FDD0..U+FDEF, U+xxFFFE/F).
bool utf8_valid(std::string_view text);

// ASCII letters, digits and '_', not empty, not starting with a digit.
bool env_name_valid(std::string_view name);

// NAME=VALUE with a valid name and a UTF-8 value (control characters are allowed in values).
bool env_assignment_valid(std::string_view assignment);

// User= as systemd 252 accepts it (valid_user_group_name, relaxed, numeric ids allowed): a uid
// other than 65535 and 4294967295, or a name that is UTF-8 without control characters, ':' or
// '/', blanks at either end, all digits (with or without a leading '-', also "-" alone), "." or
// "..".
bool user_name_valid(std::string_view name);

// `text` made safe to show in a message: control characters and bytes that are not UTF-8
// become \xNN, and text longer than 120 bytes is cut with "...".
std::string printable(std::string_view text);

// The unit a setting belongs to, for specifiers: its id (e.g. "ollama.service",
// "foo@bar.service") and the path systemd loaded it from (may be empty).
struct UnitNameInfo {
  std::string id;
  std::string fragment_path;
};

// Specifier expansion of one word as systemd does it for a system unit. %% and the specifiers
// that follow from the unit name or fragment path (%n %N %p %P %i %I %j %J %f %y %Y) and the
// system manager's fixed directories (%E %S %C %L %t %T %V) are expanded. Specifiers that
// depend on the host or user (%H %m %b %h %u ...) are kept verbatim and named in `warning`:
// the word is still used, but its value here differs from what the service gets. An unknown
// letter or digit makes systemd ignore the word ("Failed to resolve specifiers"): `ok` is false;
// '%' before anything else stays as written ("%-").
struct SpecifierResult {
  std::string text;
  std::string warning;  // non-empty when host- or user-dependent specifiers were kept
  bool ok = true;
};
SpecifierResult expand_specifiers(std::string_view word, const UnitNameInfo& unit);

// Unit name pieces ("foo-bar@inst.service": prefix "foo-bar", instance "inst", type "service").
struct UnitNameParts {
  std::string prefix;
  std::string instance;  // empty for non-instance names and templates ("foo@.service")
  std::string type;
  bool templated = false;  // has an '@'
};
// nullopt-like: `type` is empty when `name` is not a valid unit name (bad characters, no known
// type suffix, longer than 255 bytes, a '/', ...). Names from users are checked with this before
// they become file names.
UnitNameParts split_unit_name(std::string_view name);
bool unit_name_valid(std::string_view name);

// systemd's unit-name unescaping: "\xNN" becomes the byte NN.
std::string unit_name_unescape(std::string_view text);

}  // namespace llmon::tuning
