// Unit names and specifiers (systemd.unit(5) "SPECIFIERS"), as a system unit sees them.
#include <array>
#include <cctype>
#include <string_view>

#include "collectors/tuning/unit_words.hpp"

namespace llmon::tuning {

namespace {

constexpr std::array<std::string_view, 11> kUnitTypes = {"service",   "socket", "device", "mount",
                                                         "automount", "swap",   "target", "path",
                                                         "timer",     "slice",  "scope"};

bool unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.' || c == '\\';
}

// %f: "/" + the unescaped instance (or prefix), with '-' standing for '/' as in path units.
std::string unescape_path(std::string_view text) {
  if (text == "-") return "/";
  std::string dashes(text);  // dashes first: an escaped "\x2d" is a real '-'
  for (char& c : dashes) c = c == '-' ? '/' : c;
  return "/" + unit_name_unescape(dashes);
}

std::string dirname_of(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace

UnitNameParts split_unit_name(std::string_view name) {
  UnitNameParts parts;
  if (name.empty() || name.size() > 255) return {};
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  const std::string_view type = name.substr(dot + 1);
  bool known = false;
  for (const auto t : kUnitTypes) known = known || t == type;
  if (!known) return {};
  const std::string_view stem = name.substr(0, dot);
  const auto at = stem.find('@');
  const std::string_view prefix = stem.substr(0, at);
  if (prefix.empty()) return {};
  for (const char c : prefix) {
    if (!unit_char(c)) return {};
  }
  if (at != std::string_view::npos) {
    for (const char c : stem.substr(at + 1)) {
      if (!unit_char(c) && c != '@') return {};
    }
    parts.templated = true;
    parts.instance = std::string(stem.substr(at + 1));
  }
  parts.prefix = std::string(prefix);
  parts.type = std::string(type);
  return parts;
}

bool unit_name_valid(std::string_view name) { return !split_unit_name(name).type.empty(); }

std::string unit_name_unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      const auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int a = hex(text[i + 2]);
      const int b = hex(text[i + 3]);
      if (a >= 0 && b >= 0) {
        out += static_cast<char>(a << 4 | b);
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

SpecifierResult expand_specifiers(std::string_view word, const UnitNameInfo& unit) {
  SpecifierResult result;
  const UnitNameParts parts = split_unit_name(unit.id);
  const std::string stem = unit.id.substr(0, unit.id.rfind('.'));
  const std::string& prefix = parts.prefix;
  const auto dash = prefix.rfind('-');
  const std::string last = dash == std::string::npos ? prefix : prefix.substr(dash + 1);
  std::string kept;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '%') {
      result.text += word[i];
      continue;
    }
    if (i + 1 >= word.size()) {  // a stray % at the end stays, as in systemd
      result.text += '%';
      break;
    }
    const char s = word[++i];
    switch (s) {
      case '%':
        result.text += '%';
        break;
      case 'n':
        result.text += unit.id;
        break;
      case 'N':
        result.text += stem;
        break;
      case 'p':
        result.text += prefix;
        break;
      case 'P':
        result.text += unit_name_unescape(prefix);
        break;
      case 'i':
        result.text += parts.instance;
        break;
      case 'I':
        result.text += unit_name_unescape(parts.instance);
        break;
      case 'j':
        result.text += last;
        break;
      case 'J':
        result.text += unit_name_unescape(last);
        break;
      case 'f':
        result.text += unescape_path(parts.instance.empty() ? prefix : parts.instance);
        break;
      case 'y':
        result.text += unit.fragment_path;
        break;
      case 'Y':
        result.text += dirname_of(unit.fragment_path);
        break;
      case 'E':
        result.text += "/etc";
        break;
      case 'S':
        result.text += "/var/lib";
        break;
      case 'C':
        result.text += "/var/cache";
        break;
      case 'L':
        result.text += "/var/log";
        break;
      case 't':
        result.text += "/run";
        break;
      case 'T':
        result.text += "/tmp";
        break;
      case 'V':
        result.text += "/var/tmp";
        break;
      default:
        if (!std::isalnum(static_cast<unsigned char>(s)) || (s & 0x80) != 0) {
          result.text += '%';  // only letters and digits are specifiers; "%-" stays as it is
          result.text += s;
          break;
        }
        if (std::string_view("aAbBdgGhHlmMoqsuUvwW").find(s) == std::string_view::npos) {
          result.ok = false;
          result.warning = std::string("unknown specifier %") + s;
          return result;
        }
        result.text += '%';
        result.text += s;
        if (kept.find(s) == std::string::npos) kept += s;
    }
  }
  if (!kept.empty()) {
    result.warning = "specifier";
    result.warning += kept.size() > 1 ? "s" : "";
    for (const char s : kept) result.warning += std::string(" %") + s;
    result.warning += " not expanded (depends on the host or user); kept as written";
  }
  return result;
}

}  // namespace llmon::tuning
