#pragma once
// The D-Bus wire format (D-Bus specification, "Message Protocol"): marshalling method calls
// (little-endian) and parsing what a bus sends back (either byte order), without I/O. Parsing is
// bounded for any input: a message cap, a nesting cap, and every length checked against the
// bytes that remain, so a broken or hostile bus gives an error value. Value types and pure
// functions; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace llmon::tuning::dbus {

inline constexpr std::size_t kMaxMessage = 1 << 20;  // we never need more from systemd
inline constexpr int kMaxDepth = 32;                 // containers within containers

enum class MessageType : std::uint8_t {
  kInvalid = 0,
  kMethodCall = 1,
  kMethodReturn = 2,
  kError = 3,
  kSignal = 4,
};

// A message's header fields and its body, as marshalled or as parsed.
struct Message {
  MessageType type = MessageType::kInvalid;
  std::uint8_t flags = 0;
  std::uint32_t serial = 0;
  std::uint32_t reply_serial = 0;  // 0: none
  std::string path, interface, member, error_name, destination, sender;
  std::string signature;  // of the body
  std::string body;       // marshalled in the message's byte order
  bool big_endian = false;
};

// Appends values in little-endian order with D-Bus alignment, offsets relative to the start of
// what it writes (a message, or a body, which starts 8-aligned).
class Writer {
 public:
  void align(std::size_t n);
  void u8(std::uint8_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void boolean(bool v) { u32(v ? 1 : 0); }
  void string(std::string_view s);     // 's' and 'o'
  void signature(std::string_view s);  // 'g'
  void raw(std::string_view bytes) { out_.append(bytes); }
  // An array: begin_array returns a mark for end_array, which writes the length.
  struct ArrayMark {
    std::size_t length_at, start;
  };
  ArrayMark begin_array(std::size_t element_alignment);
  void end_array(ArrayMark mark);
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

// Reads values at a cursor in one byte order. The first failure sticks: every later read fails,
// and error() says what went wrong first.
class Reader {
 public:
  Reader(std::string_view data, bool big_endian) : data_(data), big_endian_(big_endian) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= data_.size(); }

  bool align(std::size_t n);
  bool u8(std::uint8_t& v);
  bool u32(std::uint32_t& v);
  bool u64(std::uint64_t& v);
  bool boolean(bool& v);
  bool string(std::string& out);     // 's' and 'o'
  bool signature(std::string& out);  // 'g'
  // Enters an array whose elements start with type code `element`; `end` is the offset just
  // past its last element (read elements while pos() < end).
  bool begin_array(char element, std::size_t& end);
  // Ends an array: pos() must be exactly `end`.
  bool end_array(std::size_t end);
  // Skips values of any valid signature (one or more complete types).
  bool skip(std::string_view signature) { return skip_types(signature, 0); }
  bool fail(std::string why);

 private:
  bool take(std::size_t n, std::string_view& out);
  bool skip_types(std::string_view signature, int depth);
  bool skip_one(std::string_view type, int depth);

  std::string_view data_;
  bool big_endian_;
  std::size_t pos_ = 0;
  std::string error_;
};

// Alignment of the type that starts with `code` (1 for unknown codes).
std::size_t alignment_of(char code);
// Length of the complete type at the start of `signature`, 0 when there is none.
std::size_t single_type_length(std::string_view signature, int depth = 0);
// Whether `signature` is a sequence of complete types within the specification's limits.
bool valid_signature(std::string_view signature);

// The whole message, little-endian; `m.body` must be marshalled as `m.signature` says.
std::string marshal(const Message& m);
// A method call with string arguments only (all systemd needs from us).
std::string marshal_call(std::uint32_t serial, std::string_view destination, std::string_view path,
                         std::string_view interface, std::string_view member,
                         std::initializer_list<std::string_view> args);

// From a message's first 16 bytes, its total length; an error for a header no bus would send
// or a length past kMaxMessage.
inline constexpr std::size_t kFixedHeader = 16;
Expected<std::size_t> message_length(std::string_view prefix);
// One whole message (exactly message_length bytes).
Expected<Message> parse_message(std::string_view bytes);
// "name: text" for an error reply (its first argument when that is a string).
std::string error_text(const Message& m);

}  // namespace llmon::tuning::dbus
