// D-Bus messages from the bus (parse_message, message_length, error_text) and the generic value
// skipper: a first byte N, then N bytes of signature, then values in both byte orders.
#include <algorithm>

#include "collectors/tuning/dbus_wire.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  using namespace llmon::tuning::dbus;
  const std::string_view bytes = fuzz::as_text(data, size);
  if (auto length = message_length(bytes); length) {
    fuzz::check(*length <= kMaxMessage, "message_length stays within the cap");
  } else {
    fuzz::check_error(length.error());
  }
  const auto m = parse_message(bytes);
  if (!m) {
    fuzz::check_error(m.error());
  } else {
    fuzz::check(valid_signature(m->signature), "a parsed body has a valid signature");
    Reader body(m->body, m->big_endian);
    fuzz::check(body.skip(m->signature) && body.at_end(), "a parsed body reads as its signature");
    fuzz::check(error_text(*m).size() <= 4096, "error text is bounded");
    if (!m->big_endian) {  // ours are little-endian: the same message marshals and parses back
      const auto again = parse_message(marshal(*m));
      fuzz::check(again.ok(), "a marshalled message parses");
      fuzz::check(again->serial == m->serial && again->reply_serial == m->reply_serial &&
                      again->path == m->path && again->member == m->member &&
                      again->error_name == m->error_name && again->signature == m->signature &&
                      again->body == m->body,
                  "a marshalled message parses to the same fields");
    }
  }
  if (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::uint8_t>(bytes[0]), size - 1);
    const std::string_view signature = bytes.substr(1, n);
    const std::string_view values = bytes.substr(1 + n);
    const bool valid = valid_signature(signature);
    for (const bool big_endian : {false, true}) {
      Reader r(values, big_endian);
      const bool ok = r.skip(signature);
      fuzz::check(ok || !r.error().empty(), "a failed read says why");
      fuzz::check(!ok || valid, "only a valid signature reads");
      fuzz::check(r.pos() <= values.size(), "the reader stays in bounds");
      if (!ok) fuzz::check_error(Error{r.error()});
    }
  }
  return 0;
}
