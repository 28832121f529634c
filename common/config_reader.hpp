#pragma once
// TableReader: typed, located access to one TOML table, collecting errors instead of throwing.
// Every error reads "FILE:LINE:COL: key: what was expected, what was found". Not thread-safe.
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.hpp"

namespace llmon {

// The shortest interval any collector may be configured with.
inline constexpr Duration kMinCollectorInterval = std::chrono::milliseconds(100);

struct ConfigErrors {
  std::string source;               // file name used in locations
  std::vector<std::string> errors;  // sorted by position by sorted_message()

  std::string where(const toml::source_region& region) const;
  void add(const toml::source_region& region, const std::string& message);
  // All errors, one per line, in document order.
  std::string sorted_message() const;

 private:
  std::vector<std::pair<std::pair<std::uint32_t, std::uint32_t>, std::size_t>> order_;
};

class TableReader {
 public:
  // `prefix` is the dotted path of this table ("gpu", "ollama[1]"); empty for the root.
  TableReader(const toml::table& table, std::string prefix, ConfigErrors& errors);

  // Reports every key not in `known`, with a did-you-mean suggestion when one is close.
  void reject_unknown(std::initializer_list<std::string_view> known) const;
  void reject_unknown(const std::vector<std::string_view>& known) const;

  // Each getter leaves `out` untouched when the key is absent, and on a wrong type or value
  // (reporting the error), so defaults survive.
  void get(std::string_view key, std::string& out) const;
  void get(std::string_view key, bool& out) const;
  void get(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) const;
  void get(std::string_view key, double& out, double min, double max) const;
  void get(std::string_view key, Duration& out, Duration min, Duration max) const;
  void get(std::string_view key, std::filesystem::path& out) const;
  void get(std::string_view key, std::vector<std::string>& out) const;
  void get_enum(std::string_view key, std::string& out,
                std::initializer_list<std::string_view> allowed) const;

  // Sub-table (nullptr when absent; a non-table value is reported).
  const toml::table* table(std::string_view key) const;
  // The tables of an array of tables ([[key]]); nullopt when absent or not an array of tables
  // (reported).
  std::optional<std::vector<const toml::table*>> tables(std::string_view key) const;

  // Reports `message` at `key` (at the table itself when the key is absent), prefixed with the
  // key's dotted name: "FILE:LINE:COL: gpu.interval: message".
  void error(std::string_view key, const std::string& message) const;

  std::string qualified(std::string_view key) const;
  const toml::table& raw() const { return table_; }
  ConfigErrors& errors() const { return errors_; }

 private:
  void wrong_type(const toml::node& node, std::string_view key, std::string_view expected) const;

  const toml::table& table_;
  std::string prefix_;
  ConfigErrors& errors_;
};

// A TOML basic string that parses back to `s` (escapes included, UTF-8 kept).
std::string toml_quote(std::string_view s);
// ["a", "b"] as a TOML array of strings.
std::string toml_string_list(const std::vector<std::string>& values);
// A name that becomes a label value or a file-safe key: 1-64 letters, digits, '_', '-' or '.'.
bool valid_config_name(std::string_view name);

// "integer 5", "string \"x\"", "table" ...: what a node is, for "found ..." in messages.
std::string describe_node(const toml::node& node);
// Levenshtein distance, for did-you-mean suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace llmon
