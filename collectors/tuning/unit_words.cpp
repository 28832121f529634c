#include "collectors/tuning/unit_words.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace llmon::tuning {

namespace {

constexpr std::string_view kSeparators = " \t\n\r";  // systemd's WHITESPACE

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool code_point_valid(std::uint32_t c) {
  if (c >= 0x110000) return false;
  if ((c & 0xFFFFF800u) == 0xD800u) return false;  // UTF-16 surrogates
  if (c >= 0xFDD0u && c <= 0xFDEFu) return false;
  if ((c & 0xFFFEu) == 0xFFFEu) return false;
  return true;
}

void append_utf8(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// One escape after a backslash at text[0]; appends its value and returns the characters it
// used, or nullopt for an escape systemd's cunescape_one rejects (unknown letter, NUL, too big).
std::optional<std::size_t> unescape_one(std::string_view text, std::string& out) {
  const char c = text[0];
  switch (c) {
    case 'a':
      out += '\a';
      return 1;
    case 'b':
      out += '\b';
      return 1;
    case 'f':
      out += '\f';
      return 1;
    case 'n':
      out += '\n';
      return 1;
    case 'r':
      out += '\r';
      return 1;
    case 't':
      out += '\t';
      return 1;
    case 'v':
      out += '\v';
      return 1;
    case '\\':
      out += '\\';
      return 1;
    case '"':
      out += '"';
      return 1;
    case '\'':
      out += '\'';
      return 1;
    case 's':
      out += ' ';
      return 1;
    default:
      break;
  }
  const auto hex_run = [&](std::size_t n) -> std::optional<std::uint32_t> {
    if (text.size() < n + 1) return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 1; i <= n; ++i) {
      const int h = hex_value(text[i]);
      if (h < 0) return std::nullopt;
      v = v << 4 | static_cast<std::uint32_t>(h);
    }
    return v;
  };
  if (c == 'x') {
    const auto v = hex_run(2);
    if (!v || *v == 0) return std::nullopt;
    out += static_cast<char>(*v);  // a raw byte, as systemd's "eight bit" escapes are
    return 3;
  }
  if (c == 'u' || c == 'U') {
    const auto v = hex_run(c == 'u' ? 4 : 8);
    if (!v || *v == 0) return std::nullopt;
    // systemd checks only \U code points; a \u surrogate is encoded and later fails UTF-8.
    if (c == 'U' && !code_point_valid(*v)) return std::nullopt;
    append_utf8(out, *v);
    return c == 'u' ? 5 : 9;
  }
  if (c >= '0' && c <= '7') {
    if (text.size() < 3) return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      if (text[i] < '0' || text[i] > '7') return std::nullopt;
      v = v << 3 | static_cast<std::uint32_t>(text[i] - '0');
    }
    if (v == 0 || v > 255) return std::nullopt;
    out += static_cast<char>(v);
    return 3;
  }
  return std::nullopt;
}

}  // namespace

WordSplit split_words(std::string_view text) {
  WordSplit result;
  std::size_t i = 0;
  for (;;) {
    while (i < text.size() && kSeparators.find(text[i]) != std::string_view::npos) ++i;
    if (i >= text.size()) return result;
    std::string word;
    char quote = 0;
    for (;;) {
      if (i >= text.size()) {
        if (quote != 0) {
          result.error = "unbalanced quoting";
          return result;
        }
        break;
      }
      const char c = text[i];
      if (c == '\\') {
        if (i + 1 >= text.size()) {
          result.error = "trailing backslash";
          return result;
        }
        const auto used = unescape_one(text.substr(i + 1), word);
        if (!used) {
          result.error = "unknown escape sequence \\" + std::string(1, text[i + 1]);
          return result;
        }
        i += 1 + *used;
        continue;
      }
      if (quote != 0) {
        if (c == quote)
          quote = 0;
        else
          word += c;
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        ++i;
        continue;
      }
      if (kSeparators.find(c) != std::string_view::npos) break;
      word += c;
      ++i;
    }
    result.words.push_back(std::move(word));
  }
}

bool utf8_valid(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char lead = p[i];
    if (lead < 0x80) {
      if (lead == 0) return false;  // systemd's strings end at a NUL: one inside is not text
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t c = 0;
    if ((lead & 0xE0) == 0xC0) {
      len = 2;
      c = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      len = 3;
      c = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      len = 4;
      c = lead & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      c = c << 6 | (p[i + k] & 0x3F);
    }
    const std::size_t shortest = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (shortest != len || !code_point_valid(c)) return false;
    i += len;
  }
  return true;
}

std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 120;
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && out.size() < kMax; ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    std::size_t len = u < 0x80 ? 1 : (u & 0xE0) == 0xC0 ? 2 : (u & 0xF0) == 0xE0 ? 3 : 4;
    // C1 controls (U+0080-U+009F, C2 80..C2 9F) act like ESC sequences on some terminals.
    const bool c1 =
        u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (u >= 0x20 && u != 0x7F && !c1 && (len == 1 || utf8_valid(text.substr(i, len)))) {
      out.append(text.substr(i, len));
      i += len - 1;
      continue;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[u >> 4];
    out += kHex[u & 0xF];
  }
  if (i < text.size()) out += "...";
  return out;
}

bool env_name_valid(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool user_name_valid(std::string_view name) {
  if (name.empty()) return false;
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (digits(name)) {
    if (name.size() > 10) return false;
    const unsigned long long uid = std::stoull(std::string(name));
    return uid < 4294967295ULL && uid != 65535;
  }
  if (name.front() == ' ' || name.back() == ' ' || !utf8_valid(name)) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ':' || c == '/') return false;
  }
  if (name[0] == '-' && (name.size() == 1 || digits(name.substr(1)))) return false;
  return name != "." && name != "..";
}

bool env_assignment_valid(std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) return false;
  return env_name_valid(assignment.substr(0, eq)) && utf8_valid(assignment.substr(eq + 1));
}

}  // namespace llmon::tuning
