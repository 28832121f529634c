#pragma once
// Reader: typed access to one TOML table of a scenario, where every complaint throws a
// ScenarioError naming the source, line and column. Used only while parsing; not synchronised.
#include <toml++/toml.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "go_time.hpp"

namespace fake_ollama {

struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// TOML -> JSON for free-form tables (model_info, ps_extra); dates become their TOML spelling.
boost::json::value to_json(const toml::node& node);

class Reader {
 public:
  Reader(const toml::table& table, std::string_view source) : table_(table), source_(source) {}

  // Rejects keys not in `keys`.
  void allow(std::initializer_list<std::string_view> keys) const;
  [[noreturn]] void fail(const toml::node& node, const std::string& what) const;

  const toml::node* get(std::string_view key) const { return table_.get(key); }
  const toml::table& table() const { return table_; }
  std::string_view source() const { return source_; }

  std::optional<std::string> string(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min = INT64_MIN) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<double> positive_number(std::string_view key) const;
  // A Go duration string ("150ms"); negative durations are refused.
  std::optional<Nanos> duration(std::string_view key) const;
  // keep_alive as the API takes it: a Go duration string or a number of seconds; negative pins.
  std::optional<Nanos> keep_alive(std::string_view key) const;
  std::optional<std::vector<std::string>> strings(std::string_view key) const;
  std::optional<boost::json::object> json_table(std::string_view key) const;
  // An array of tables ([[key]]); empty when absent.
  std::vector<const toml::table*> tables(std::string_view key) const;
  // An offset date-time; leaves `time` and `offset_seconds` alone when the key is absent.
  void date_time(std::string_view key, WallTime& time, int& offset_seconds) const;

 private:
  const toml::table& table_;
  std::string_view source_;
};

}  // namespace fake_ollama
