#include "go_json.hpp"

#include <boost/json/stream_parser.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace fake_ollama {

namespace json = boost::json;

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0)
    len = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    len = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          // Go escapes HTML-significant characters so JSON can be embedded in HTML safely.
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const std::size_t len = utf8_length(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else if (s.substr(i, len) == "\xE2\x80\xA8") {
      out += "\\u2028";
      i += len;
    } else if (s.substr(i, len) == "\xE2\x80\xA9") {
      out += "\\u2029";
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

// encoding/json's floatEncoder: 'f' format unless the magnitude is below 1e-6 or at least 1e21,
// then 'e' with a two-digit negative exponent shortened ("1e-07" -> "1e-7").
void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";  // Go refuses to encode these; a fake must not emit invalid JSON
    return;
  }
  const double magnitude = std::fabs(d);
  const bool exponent = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21);
  char buf[64];
  const auto result =
      std::to_chars(buf, buf + sizeof buf, d,
                    exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string text(buf, result.ptr);
  const std::size_t n = text.size();
  if (exponent && n >= 4 && text[n - 4] == 'e' && text[n - 3] == '-' && text[n - 2] == '0') {
    text.erase(n - 2, 1);
  }
  out += text;
}

void append_value(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      append_double(out, v.get_double());
      break;
    case json::kind::string:
      append_string(out, v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_value(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, member.key());
        out += ':';
        append_value(out, member.value());
      }
      out += '}';
      break;
    }
  }
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string quote_char(char c) {
  if (c == '\'') return "'\\''";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "'\\x%02x'", static_cast<unsigned char>(c));
    return buf;
  }
  return std::string("'") + c + "'";
}

}  // namespace

std::string to_go_json(const json::value& v) {
  std::string out;
  append_value(out, v);
  return out;
}

std::string error_json(std::string_view message) {
  json::object body;
  body["error"] = message;
  return to_go_json(body);
}

DecodedBody decode_request_body(std::string_view body, std::string_view go_type) {
  std::size_t start = 0;
  while (start < body.size() && is_json_space(body[start])) ++start;
  if (start == body.size()) return {std::nullopt, "missing request body"};

  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(body.data(), body.size(), ec);
  if (!ec && !parser.done()) parser.finish(ec);  // only whole-body reads can still complete
  if (ec) {
    // A value cut short reads as io.ErrUnexpectedEOF in Go; otherwise name the bad character.
    if (used >= body.size() || ec == json::error::incomplete)
      return {std::nullopt, "unexpected EOF"};
    return {std::nullopt,
            "invalid character " + quote_char(body[used]) + " looking for beginning of value"};
  }
  json::value value = parser.release();
  if (value.is_null()) return {json::object{}, ""};
  if (!value.is_object()) {
    return {std::nullopt, "json: cannot unmarshal " + std::string(go_json_kind(value)) +
                              " into Go value of type " + std::string(go_type)};
  }
  return {std::move(value.get_object()), ""};
}

std::string_view go_json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

const json::value* GoFields::raw(std::string_view key) const {
  const json::value* v = object_.if_contains(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

void GoFields::type_error(std::string_view key, const json::value& got, std::string_view go_type) {
  fail("json: cannot unmarshal " + std::string(go_json_kind(got)) + " into Go struct field " +
       struct_name_ + "." + std::string(key) + " of type " + std::string(go_type));
}

std::optional<std::string> GoFields::string(std::string_view key) {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    type_error(key, *v, "string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<bool> GoFields::boolean(std::string_view key) {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    type_error(key, *v, "bool");
    return std::nullopt;
  }
  return v->get_bool();
}

const json::object* GoFields::object(std::string_view key) {
  const json::value* v = raw(key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    type_error(key, *v, "map[string]interface {}");
    return nullptr;
  }
  return &v->get_object();
}

const json::array* GoFields::array(std::string_view key, std::string_view go_type) {
  const json::value* v = raw(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    type_error(key, *v, go_type);
    return nullptr;
  }
  return &v->get_array();
}

}  // namespace fake_ollama
