#pragma once
// Parsing of /proc/meminfo. Pure functions.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace llmon::host {

// Field name -> bytes ("MemTotal: 131072000 kB" -> 134217728000). Lines that do not parse are
// skipped; a value without unit (HugePages_Total) is kept as is.
std::map<std::string, std::uint64_t> parse_meminfo(std::string_view text);

}  // namespace llmon::host
