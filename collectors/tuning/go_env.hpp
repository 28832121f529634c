#pragma once
// Go standard library parsing rules that decide what Ollama makes of an environment value:
// strconv.ParseBool/ParseUint, strings.TrimSpace, and envconfig.Var's stripping. Pure functions;
// safe to call from any thread.
#include <cstdint>
#include <optional>
#include <string_view>

namespace llmon::tuning {

// strconv.ParseBool: exactly "1", "t", "T", "TRUE", "true", "True" (true) and "0", "f", "F",
// "FALSE", "false", "False" (false); anything else ("yes", "on", "off", " 1") is an error.
std::optional<bool> go_parse_bool(std::string_view s);

// strconv.ParseUint(s, 10, 64): ASCII digits only (no sign, space or '_'), at most 2^64-1.
std::optional<std::uint64_t> go_parse_uint(std::string_view s);

// strings.TrimSpace: strips Unicode White_Space (ASCII \t \n \v \f \r space, U+0085, U+00A0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) from both ends; invalid
// UTF-8 is not space.
std::string_view go_trim_space(std::string_view s);

// Ollama's envconfig.Var: strings.Trim(strings.TrimSpace(v), "\"'") -- surrounding spaces, then
// any run of ' and " at either end (spaces inside the quotes stay: "\" 1 \"" becomes " 1 ").
// The same rule since v0.3.2 (before, a `clean` with Trim(v, "\"' ")) [ollama envconfig/config.go].
std::string_view ollama_var_value(std::string_view raw);

}  // namespace llmon::tuning
