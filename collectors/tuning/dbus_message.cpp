// Messages: marshalling ours, and checking a whole message from the bus before anyone reads it.
#include <utility>

#include "collectors/tuning/dbus_wire.hpp"

namespace llmon::tuning::dbus {

namespace {

constexpr std::size_t kMaxErrorText = 1024;  // of a bus's error message, for logs

enum HeaderField : std::uint8_t {
  kPath = 1,
  kInterface = 2,
  kMember = 3,
  kErrorName = 4,
  kReplySerial = 5,
  kDestination = 6,
  kSender = 7,
  kSignature = 8,
  kUnixFds = 9,
};

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

std::uint32_t load32(const char* p, bool big_endian) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[big_endian ? i : 3 - i]);
  return v;
}

}  // namespace

std::string marshal(const Message& m) {
  Writer w;
  w.u8('l');
  w.u8(static_cast<std::uint8_t>(m.type));
  w.u8(m.flags);
  w.u8(1);  // protocol version
  w.u32(static_cast<std::uint32_t>(m.body.size()));
  w.u32(m.serial);
  const auto fields = w.begin_array(8);
  const auto field = [&](HeaderField code, std::string_view sig) {
    w.align(8);
    w.u8(code);
    w.signature(sig);
  };
  const std::pair<HeaderField, const std::string*> strings[] = {{kPath, &m.path},
                                                                {kInterface, &m.interface},
                                                                {kMember, &m.member},
                                                                {kErrorName, &m.error_name},
                                                                {kDestination, &m.destination},
                                                                {kSender, &m.sender}};
  for (const auto& [code, value] : strings) {
    if (value->empty()) continue;
    field(code, code == kPath ? "o" : "s");
    w.string(*value);
  }
  if (m.reply_serial != 0) {
    field(kReplySerial, "u");
    w.u32(m.reply_serial);
  }
  if (!m.signature.empty()) {
    field(kSignature, "g");
    w.signature(m.signature);
  }
  w.end_array(fields);
  w.align(8);
  w.raw(m.body);
  return w.bytes();
}

std::string marshal_call(std::uint32_t serial, std::string_view destination, std::string_view path,
                         std::string_view interface, std::string_view member,
                         std::initializer_list<std::string_view> args) {
  Message m;
  m.type = MessageType::kMethodCall;
  m.serial = serial;
  m.destination = destination;
  m.path = path;
  m.interface = interface;
  m.member = member;
  Writer body;
  for (const auto arg : args) {
    m.signature += 's';
    body.string(arg);
  }
  m.body = body.bytes();
  return marshal(m);
}

Expected<std::size_t> message_length(std::string_view prefix) {
  if (prefix.size() < kFixedHeader) return make_error("truncated message header");
  if (prefix[0] != 'l' && prefix[0] != 'B') return make_error("not a D-Bus message (byte order)");
  if (prefix[3] != 1) return make_error("unsupported D-Bus protocol version");
  const bool big_endian = prefix[0] == 'B';
  const std::uint64_t body = load32(prefix.data() + 4, big_endian);
  const std::uint64_t fields = load32(prefix.data() + 12, big_endian);
  const std::uint64_t total = round_up(kFixedHeader + fields, 8) + body;
  if (total > kMaxMessage) {
    return make_error("message of " + std::to_string(total) + " bytes (limit " +
                      std::to_string(kMaxMessage) + ")");
  }
  return static_cast<std::size_t>(total);
}

Expected<Message> parse_message(std::string_view bytes) {
  auto length = message_length(bytes);
  if (!length) return length.error();
  if (*length != bytes.size()) return make_error("message length does not match its header");
  Message m;
  m.big_endian = bytes[0] == 'B';
  m.type = static_cast<MessageType>(bytes[1]);
  m.flags = static_cast<std::uint8_t>(bytes[2]);
  Reader r(bytes, m.big_endian);
  std::uint32_t ignored = 0;
  std::size_t end = 0;
  r.u32(ignored);  // byte order, type, flags, version
  r.u32(ignored);  // body length, checked by message_length
  r.u32(m.serial);
  r.begin_array('(', end);
  while (r.ok() && r.pos() < end) {
    std::uint8_t code = 0;
    std::string sig;
    if (!r.align(8) || !r.u8(code) || !r.signature(sig)) break;
    if (sig.empty() || single_type_length(sig) != sig.size()) {
      r.fail("header field of signature '" + sig + "'");
      break;
    }
    std::string* text = nullptr;
    std::string_view expected = "s";
    switch (code) {
      case kPath:
        text = &m.path;
        expected = "o";
        break;
      case kInterface:
        text = &m.interface;
        break;
      case kMember:
        text = &m.member;
        break;
      case kErrorName:
        text = &m.error_name;
        break;
      case kDestination:
        text = &m.destination;
        break;
      case kSender:
        text = &m.sender;
        break;
      case kSignature:
        text = &m.signature;
        expected = "g";
        break;
      case kReplySerial:
      case kUnixFds:
        expected = "u";
        break;
      default:  // the specification says to ignore fields we do not know
        r.skip(sig);
        continue;
    }
    if (sig != expected) {
      r.fail("header field " + std::to_string(code) + " of type '" + sig + "'");
      break;
    }
    if (code == kSignature) {
      r.signature(*text);
    } else if (text != nullptr) {
      r.string(*text);
    } else if (code == kReplySerial) {
      r.u32(m.reply_serial);
    } else {
      r.u32(ignored);
    }
  }
  r.end_array(end);
  r.align(8);
  if (!r.ok()) return make_error("malformed message header: " + r.error());
  if (m.serial == 0) return make_error("malformed message header: serial 0");
  const bool reply = m.type == MessageType::kMethodReturn || m.type == MessageType::kError;
  if (reply && m.reply_serial == 0) return make_error("malformed message: a reply to nothing");
  if (m.type == MessageType::kError && m.error_name.empty()) {
    return make_error("malformed message: an error without a name");
  }
  m.body = bytes.substr(r.pos());
  Reader body(m.body, m.big_endian);
  if (!body.skip(m.signature) || !body.at_end()) {
    return make_error("body does not match its signature '" + m.signature +
                      "': " + (body.ok() ? "bytes left over" : body.error()));
  }
  return m;
}

std::string error_text(const Message& m) {
  std::string text = m.error_name.empty() ? "error" : m.error_name;
  std::string message;
  Reader r(m.body, m.big_endian);
  if (!m.signature.empty() && m.signature[0] == 's' && r.string(message)) {
    if (message.size() > kMaxErrorText) message.resize(kMaxErrorText);
    text += ": " + message;
  }
  if (text.size() > 2 * kMaxErrorText) text.resize(2 * kMaxErrorText);
  return text;
}

}  // namespace llmon::tuning::dbus
