#pragma once
// JSON the way a Go server (encoding/json + gin) writes and reads it, on top of Boost.JSON:
// Go's escaping and float format on output, Go's error messages on input. Pure functions and a
// small value type; thread-safe.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace fake_ollama {

// encoding/json's text for `v`: <, >, & and U+2028/9 escaped as \u003c..., invalid UTF-8 as
// \ufffd, floats in Go's shortest form ("0.7", "1e-7", "1e+21"), keys in insertion order.
std::string to_go_json(const boost::json::value& v);

// {"error":"<message>"}, Ollama's error body.
std::string error_json(std::string_view message);

// The result of decoding a request body the way gin's ShouldBindJSON does: the first JSON value
// of the body (trailing bytes are ignored, as json.Decoder does), or Go's error text.
struct DecodedBody {
  std::optional<boost::json::object> object;  // set when the body held an object (or null)
  std::string error;                          // set otherwise; "missing request body" if empty
};
// `go_type` names the target in type errors, e.g. "api.GenerateRequest".
DecodedBody decode_request_body(std::string_view body, std::string_view go_type);

// Reads the fields of a decoded object as json.Unmarshal fills a Go struct: absent or null
// fields are unset, a field of the wrong JSON type records Go's error, e.g. "json: cannot
// unmarshal number into Go struct field GenerateRequest.model of type string". Like Go, later
// fields are still read and only the first error is reported.
class GoFields {
 public:
  GoFields(const boost::json::object& object, std::string struct_name)
      : object_(object), struct_name_(std::move(struct_name)) {}

  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  const boost::json::object* object(std::string_view key);
  const boost::json::array* array(std::string_view key, std::string_view go_type);
  // Any JSON type (absent or null -> nullptr).
  const boost::json::value* raw(std::string_view key) const;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  void type_error(std::string_view key, const boost::json::value& got, std::string_view go_type);

  const boost::json::object& object_;
  std::string struct_name_;
  std::string error_;
};

// The JSON kind Go names in type errors: "string", "number", "bool", "array", "object".
std::string_view go_json_kind(const boost::json::value& v);

}  // namespace fake_ollama
