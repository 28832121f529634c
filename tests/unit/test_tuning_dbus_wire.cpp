// The D-Bus wire format on inline bytes: what we marshal, what we accept from a bus (both byte
// orders, any signature skipped), and what we refuse (truncated, misaligned, wrong types, huge
// lengths, deep nesting) with an error rather than a crash or a huge allocation.
#include <doctest/doctest.h>

#include <string>

#include "collectors/tuning/dbus_wire.hpp"

using namespace llmon::tuning::dbus;
using namespace std::string_literals;

namespace {

// A method return to serial 5 from serial 9, signature "s", body "hi" (worked out by hand from
// the specification: fixed header, REPLY_SERIAL and SIGNATURE fields, padding to 8, body).
// clang-format off
const std::string kReplyLittle =
    "l\x02\x00\x01" "\x07\x00\x00\x00" "\x09\x00\x00\x00" "\x0f\x00\x00\x00"
    "\x05\x01u\x00" "\x05\x00\x00\x00" "\x08\x01g\x00" "\x01s\x00" "\x00"
    "\x02\x00\x00\x00hi\x00"s;
const std::string kReplyBig =
    "B\x02\x00\x01" "\x00\x00\x00\x07" "\x00\x00\x00\x09" "\x00\x00\x00\x0f"
    "\x05\x01u\x00" "\x00\x00\x00\x05" "\x08\x01g\x00" "\x01s\x00" "\x00"
    "\x00\x00\x00\x02hi\x00"s;
// clang-format on

Message reply(std::string signature, std::string body) {
  Message m;
  m.type = MessageType::kMethodReturn;
  m.serial = 9;
  m.reply_serial = 5;
  m.signature = std::move(signature);
  m.body = std::move(body);
  return m;
}

std::string parse_error(const std::string& bytes) {
  const auto m = parse_message(bytes);
  return m.ok() ? "" : m.error().message;
}

}  // namespace

TEST_CASE("dbus wire: marshals a message byte for byte as the specification lays it out") {
  Writer body;
  body.string("hi");
  CHECK(marshal(reply("s", body.bytes())) == kReplyLittle);
}

TEST_CASE("dbus wire: parses a message in either byte order") {
  for (const auto& bytes : {kReplyLittle, kReplyBig}) {
    const auto m = parse_message(bytes);
    REQUIRE_MESSAGE(m.ok(), m.error().message);
    CHECK(m->type == MessageType::kMethodReturn);
    CHECK(m->serial == 9);
    CHECK(m->reply_serial == 5);
    CHECK(m->signature == "s");
    Reader r(m->body, m->big_endian);
    std::string s;
    CHECK(r.string(s));
    CHECK(s == "hi");
    CHECK(r.at_end());
  }
}

TEST_CASE("dbus wire: a method call round-trips") {
  const auto bytes =
      marshal_call(7, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                   "org.freedesktop.systemd1.Manager", "LoadUnit", {"ollama.service"});
  CHECK(bytes.size() % 8 != 0);  // the body (a string) is not padded at the end
  const auto m = parse_message(bytes);
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  CHECK(m->type == MessageType::kMethodCall);
  CHECK(m->serial == 7);
  CHECK(m->destination == "org.freedesktop.systemd1");
  CHECK(m->path == "/org/freedesktop/systemd1");
  CHECK(m->interface == "org.freedesktop.systemd1.Manager");
  CHECK(m->member == "LoadUnit");
  CHECK(m->signature == "s");
}

TEST_CASE("dbus wire: signatures") {
  for (const char* good :
       {"s", "a{sv}", "a(sasbttttuii)", "(ss)", "aay", "a{oa{sv}}", "v", "sub"}) {
    CAPTURE(good);
    CHECK(valid_signature(good));
  }
  for (const char* bad : {"a", "()", "(s", "s)", "{sv}", "a{vs}", "a{sss}", "a{s}", "z", "a{sv"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_signature(bad));
  }
  CHECK_FALSE(valid_signature(std::string(256, 's')));
  CHECK(valid_signature(std::string(kMaxDepth, 'a') + "s"));
  CHECK_FALSE(valid_signature(std::string(kMaxDepth + 1, 'a') + "s"));
  CHECK_FALSE(
      valid_signature(std::string(kMaxDepth + 1, '(') + "s" + std::string(kMaxDepth + 1, ')')));
}

TEST_CASE("dbus wire: the reader skips any type, variants and dictionaries included") {
  Writer w;  // a{sv}: {"a": <u 1>, "b": <a(sb) [("x", true)]>, "c": <<s "deep">>}, then t 42
  const auto dict = w.begin_array(8);
  w.align(8);
  w.string("a");
  w.signature("u");
  w.u32(1);
  w.align(8);
  w.string("b");
  w.signature("a(sb)");
  const auto structs = w.begin_array(8);
  w.align(8);
  w.string("x");
  w.boolean(true);
  w.end_array(structs);
  w.align(8);
  w.string("c");
  w.signature("v");
  w.signature("s");
  w.string("deep");
  w.end_array(dict);
  w.u64(42);
  for (const bool big_endian : {false, true}) {  // lengths read backwards still stay in bounds
    Reader r(w.bytes(), big_endian);
    CAPTURE(r.error());
    CHECK(r.skip("a{sv}t") == !big_endian);
    CHECK(r.at_end() == !big_endian);
  }
  Reader r(w.bytes(), false);
  CHECK(r.skip("a{sv}"));
  std::uint64_t t = 0;
  CHECK(r.u64(t));
  CHECK(t == 42);
}

TEST_CASE("dbus wire: bad values are errors") {
  SUBCASE("a boolean other than 0 or 1") {
    const std::string r_bytes = "\x02\x00\x00\x00"s;
    Reader r(r_bytes, false);
    bool b = false;
    CHECK_FALSE(r.boolean(b));
    CHECK(r.error() == "boolean of value 2 at offset 4");
  }
  SUBCASE("a string without its NUL, or with one inside") {
    const std::string r_bytes = "\x02\x00\x00\x00hi!"s;
    Reader r(r_bytes, false);
    std::string s;
    CHECK_FALSE(r.string(s));
    CHECK(r.error().find("string without its terminating NUL") == 0);
    const std::string inside_bytes = "\x02\x00\x00\x00h\x00\x00"s;
    Reader inside(inside_bytes, false);
    CHECK_FALSE(inside.string(s));
    CHECK(inside.error().find("string with a NUL inside") == 0);
  }
  SUBCASE("a length past the end is not allocated") {
    const std::string r_bytes =
        "\xf0\xff\xff\xff"
        "abc"s;
    Reader r(r_bytes, false);
    std::string s;
    CHECK_FALSE(r.string(s));
    CHECK(r.error().find("truncated") == 0);
    const std::string array_bytes = "\x00\x00\x00\x03\x00\x00\x00\x00"s;
    Reader array(array_bytes, false);
    CHECK_FALSE(array.skip("as"));
    CHECK(array.error().find("array of 50331648 bytes") == 0);
  }
  SUBCASE("an element that runs past its array's length") {
    Writer w;
    w.u32(6);  // claims 6 bytes, the string inside takes 4 + 2 + 1
    w.string("ab");
    Reader r(w.bytes(), false);
    CHECK_FALSE(r.skip("as"));
    CHECK(r.error().find("array element past the array's length") == 0);
  }
  SUBCASE("truncated padding") {
    const std::string r_bytes = "\x01\x00"s;
    Reader r(r_bytes, false);
    std::uint8_t y = 0;
    std::uint64_t t = 0;
    CHECK(r.u8(y));
    CHECK_FALSE(r.u64(t));
    CHECK_FALSE(r.u8(y));  // the first error sticks
    CHECK(r.error() == "truncated padding at offset 1");
  }
  SUBCASE("variants nested past the limit") {
    Writer w;
    for (int i = 0; i <= kMaxDepth; ++i) w.signature("v");
    w.signature("s");
    w.string("x");
    Reader r(w.bytes(), false);
    CHECK_FALSE(r.skip("v"));
    CHECK(r.error().find("variants nested too deeply") == 0);
  }
  SUBCASE("a variant of several types") {
    Writer w;
    w.signature("ss");
    w.string("a");
    w.string("b");
    Reader r(w.bytes(), false);
    CHECK_FALSE(r.skip("v"));
    CHECK(r.error().find("variant of signature 'ss'") == 0);
  }
}

TEST_CASE("dbus wire: malformed messages are errors") {
  SUBCASE("every truncation") {
    for (std::size_t n = 0; n < kReplyLittle.size(); ++n) {
      CAPTURE(n);
      CHECK_FALSE(parse_message(kReplyLittle.substr(0, n)).ok());
    }
  }
  SUBCASE("the fixed header") {
    CHECK(message_length("l\x02\x00\x01"s).error().message == "truncated message header");
    CHECK(parse_error("X" + kReplyLittle.substr(1)) == "not a D-Bus message (byte order)");
    CHECK(parse_error(kReplyLittle.substr(0, 3) + "\x02" + kReplyLittle.substr(4)) ==
          "unsupported D-Bus protocol version");
    CHECK(parse_error(kReplyLittle + "x") == "message length does not match its header");
    const std::string huge = "l\x02\x00\x01\xff\xff\xff\xff\x01\x00\x00\x00\x00\x00\x00\x00"s;
    CHECK(message_length(huge).error().message == "message of 4294967311 bytes (limit 1048576)");
  }
  SUBCASE("header fields") {
    std::string no_serial = kReplyLittle;
    no_serial[8] = '\0';
    CHECK(parse_error(no_serial) == "malformed message header: serial 0");
    std::string wrong_type = kReplyLittle;
    wrong_type[18] = 's';  // REPLY_SERIAL as a string
    CHECK(parse_error(wrong_type).find("header field 5 of type 's'") != std::string::npos);
    Message error = reply("", "");
    error.type = MessageType::kError;
    CHECK(parse_error(marshal(error)) == "malformed message: an error without a name");
    Message orphan = reply("", "");
    orphan.reply_serial = 0;
    CHECK(parse_error(marshal(orphan)) == "malformed message: a reply to nothing");
  }
  SUBCASE("a body that does not match its signature") {
    Writer w;
    w.string("hi");
    CHECK(parse_error(marshal(reply("t", w.bytes()))).find("body does not match") == 0);
    CHECK(parse_error(marshal(reply("s", w.bytes() + "x"))) ==
          "body does not match its signature 's': bytes left over");
    CHECK(parse_error(marshal(reply("", w.bytes()))).find("bytes left over") != std::string::npos);
  }
}

TEST_CASE("dbus wire: an error reply's text is its name and message, bounded") {
  Message m = reply("s", "");
  m.type = MessageType::kError;
  m.error_name = "org.freedesktop.DBus.Error.AccessDenied";
  Writer w;
  w.string("Access denied");
  m.body = w.bytes();
  CHECK(error_text(m) == "org.freedesktop.DBus.Error.AccessDenied: Access denied");
  Writer big;
  big.string(std::string(100000, 'x'));
  m.body = big.bytes();
  CHECK(error_text(m).size() < 4096);
  m.signature = "";
  CHECK(error_text(m) == "org.freedesktop.DBus.Error.AccessDenied");
}
