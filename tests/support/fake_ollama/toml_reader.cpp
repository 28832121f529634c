#include "toml_reader.hpp"

#include <chrono>
#include <set>
#include <sstream>

namespace fake_ollama {

boost::json::value to_json(const toml::node& node) {
  if (const auto* s = node.as_string()) return boost::json::value(s->get());
  if (const auto* i = node.as_integer()) return boost::json::value(i->get());
  if (const auto* f = node.as_floating_point()) return boost::json::value(f->get());
  if (const auto* b = node.as_boolean()) return boost::json::value(b->get());
  if (const auto* a = node.as_array()) {
    boost::json::array out;
    for (const auto& item : *a) out.push_back(to_json(item));
    return out;
  }
  if (const auto* t = node.as_table()) {
    boost::json::object out;
    for (const auto& [key, value] : *t) out[key.str()] = to_json(value);
    return out;
  }
  std::ostringstream text;
  node.visit([&](const auto& leaf) { text << leaf; });
  return boost::json::value(text.str());
}

void Reader::allow(std::initializer_list<std::string_view> keys) const {
  const std::set<std::string_view> allowed(keys);
  for (const auto& [key, value] : table_) {
    if (allowed.count(key.str()) == 0) fail(value, "unknown key '" + std::string(key.str()) + "'");
  }
}

void Reader::fail(const toml::node& node, const std::string& what) const {
  const auto& where = node.source().begin;
  throw ScenarioError(std::string(source_) + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": " + what);
}

std::optional<std::string> Reader::string(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_string()) fail(*node, std::string(key) + " must be a string");
  return node->as_string()->get();
}

std::optional<std::int64_t> Reader::integer(std::string_view key, std::int64_t min) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_integer()) fail(*node, std::string(key) + " must be an integer");
  const std::int64_t v = node->as_integer()->get();
  if (v < min) fail(*node, std::string(key) + " must be >= " + std::to_string(min));
  return v;
}

std::optional<bool> Reader::boolean(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_boolean()) fail(*node, std::string(key) + " must be true or false");
  return node->as_boolean()->get();
}

std::optional<double> Reader::positive_number(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  std::optional<double> v;
  if (node->is_integer()) v = static_cast<double>(node->as_integer()->get());
  if (node->is_floating_point()) v = node->as_floating_point()->get();
  if (!v || !(*v > 0)) fail(*node, std::string(key) + " must be a number > 0");
  return v;
}

std::optional<Nanos> Reader::duration(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_string())
    fail(*node, std::string(key) + " must be a duration string like \"150ms\"");
  std::string error;
  const auto d = parse_go_duration(node->as_string()->get(), &error);
  if (!d) fail(*node, std::string(key) + ": " + error);
  if (*d < 0) fail(*node, std::string(key) + " must not be negative");
  return d;
}

std::optional<Nanos> Reader::keep_alive(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (node->is_integer()) {
    return keep_alive_from_seconds(static_cast<double>(node->as_integer()->get()));
  }
  if (node->is_floating_point()) return keep_alive_from_seconds(node->as_floating_point()->get());
  if (!node->is_string()) fail(*node, std::string(key) + " must be a duration string or seconds");
  std::string error;
  const auto d = keep_alive_from_string(node->as_string()->get(), &error);
  if (!d) fail(*node, std::string(key) + ": " + error);
  return d;
}

std::optional<std::vector<std::string>> Reader::strings(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  const auto* array = node->as_array();
  if (array == nullptr) fail(*node, std::string(key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *array) {
    if (!item.is_string()) fail(item, std::string(key) + " must hold only strings");
    out.push_back(item.as_string()->get());
  }
  return out;
}

std::optional<boost::json::object> Reader::json_table(std::string_view key) const {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_table()) fail(*node, std::string(key) + " must be a table");
  return to_json(*node).as_object();
}

std::vector<const toml::table*> Reader::tables(std::string_view key) const {
  std::vector<const toml::table*> out;
  const toml::node* node = get(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) fail(*node, std::string(key) + " must be an array of tables ([[...]])");
  for (const auto& item : *array) {
    if (!item.is_table()) fail(item, std::string(key) + " must hold only tables");
    out.push_back(item.as_table());
  }
  return out;
}

void Reader::date_time(std::string_view key, WallTime& time, int& offset_seconds) const {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  const auto* dt = node->as_date_time();
  if (dt == nullptr || !dt->get().offset) {
    fail(*node,
         std::string(key) + " must be a date-time with an offset (2025-10-02T18:11:03+02:00)");
  }
  const toml::date_time& v = dt->get();
  using namespace std::chrono;
  const sys_days day =
      year_month_day{year{v.date.year}, month{v.date.month}, std::chrono::day{v.date.day}};
  offset_seconds = v.offset->minutes * 60;
  time.unix_seconds = static_cast<std::int64_t>(day.time_since_epoch().count()) * 86'400 +
                      v.time.hour * 3600LL + v.time.minute * 60LL + v.time.second - offset_seconds;
  time.nanos = static_cast<std::int32_t>(v.time.nanosecond);
}

}  // namespace fake_ollama
