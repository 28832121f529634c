// What an Ollama server (or whatever listens on its port) answers HttpClient: responses read
// one after another from the same bytes, as a kept-alive connection would, by
// HttpResponseReader twice: buffered from one read of everything, and streamed to a consumer
// from reads of the size the input chooses. Both must agree, whatever the split.
#include <algorithm>
#include <string>

#include "common/http_response_reader.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using llmon::HttpResponseReader;
using State = HttpResponseReader::State;

// One connection's bytes, handed over `piece` at a time as HttpClient's socket reads do: what a
// reader leaves unused is offered again with the next piece, or belongs to the next response.
struct Connection {
  Connection(std::string_view bytes, std::size_t read_size) : input(bytes), piece(read_size) {}

  std::string_view input;
  std::size_t piece;
  std::size_t at = 0;
  std::string pending;

  void read(HttpResponseReader& reader) {
    for (;;) {
      if (!pending.empty()) {
        const std::size_t used = reader.feed(pending);
        llmon::fuzz::check(used <= pending.size(), "feed uses at most what it is given");
        pending.erase(0, used);
      }
      if (reader.state() != State::kReading) return;
      if (at == input.size()) return reader.feed_eof();
      const std::size_t n = std::min(piece, input.size() - at);
      pending.append(input.substr(at, n));
      at += n;
    }
  }
  std::size_t left() const { return pending.size() + input.size() - at; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  if (size < 2) return 0;
  // The first byte chooses how many bytes each socket read returns (0: everything at once);
  // the second the request and limits: bit 0 HEAD, bit 1 a 300-byte body limit, bit 2 a
  // 300-byte header limit, bit 3 7-byte consumer pieces, bits 4-7 the piece after which the
  // consumer stops (0: never).
  const std::size_t read_size = data[0] == 0 ? 65536 : data[0];
  const std::uint8_t options = data[1];
  HttpResponseSettings settings;
  settings.head = (options & 1) != 0;
  settings.max_body_bytes = (options & 2) ? 300 : std::size_t{1} << 20;
  settings.max_header_bytes = (options & 4) ? 300 : HttpResponseSettings::kMaxHeaderBytes;
  settings.piece_bytes = (options & 8) ? 7 : HttpResponseSettings::kPieceBytes;
  const unsigned stop_after = options >> 4;
  const std::string_view input = fuzz::as_text(data + 2, size - 2);

  Connection whole(input, input.size() + 1);
  Connection split(input, read_size);
  for (int responses = 0; responses < 8; ++responses) {
    HttpResponseReader buffered(settings);
    buffered.feed({});  // nothing yet is not an answer
    fuzz::check(buffered.state() == State::kReading, "no bytes, no answer");
    whole.read(buffered);

    std::string streamed;
    unsigned pieces = 0;
    HttpResponseReader consumed(settings, [&](std::string_view piece) {
      fuzz::check(!piece.empty() && piece.size() <= settings.piece_bytes,
                  "a piece is never empty nor larger than piece_bytes");
      streamed.append(piece);
      return ++pieces != stop_after;
    });
    split.read(consumed);

    const HttpResponse& a = buffered.response();
    const HttpResponse& b = consumed.response();
    fuzz::check(buffered.state() != State::kReading && consumed.state() != State::kReading,
                "a closed connection ends every response");
    fuzz::check(buffered.state() != State::kStopped, "only a consumer stops a response");
    fuzz::check(a.body.size() <= settings.max_body_bytes, "the body limit holds");
    fuzz::check(streamed.size() <= settings.max_body_bytes, "the body limit holds when streamed");
    fuzz::check(b.body.empty(), "a consumed body is not buffered too");
    fuzz::check(!settings.head || (a.body.empty() && streamed.empty()), "HEAD has no body");
    fuzz::check(a.status <= 999, "a status has three digits");
    fuzz::check(a.content_type.size() <= settings.max_header_bytes, "headers are bounded");
    for (const auto* reader : {&buffered, &consumed}) {
      if (reader->state() == State::kFailed) fuzz::check_error({reader->error_text()}, 200);
    }

    if (consumed.state() == State::kStopped) {
      fuzz::check(pieces == stop_after, "the consumer stops where it says");
      if (buffered.state() == State::kComplete) {
        fuzz::check(a.body.starts_with(streamed), "a stopped stream is the start of the body");
      }
      break;
    }
    // How the bytes were split changes nothing a user sees, with one exception: a head that
    // never ends may fail on what Beast saw first, a bad field when it came whole, the close or
    // the header limit when it came in pieces (Beast then waits for the blank line before it
    // reads the fields).
    fuzz::check(buffered.state() == consumed.state(), "same outcome however split");
    fuzz::check(buffered.header_done() == consumed.header_done(), "same head however split");
    fuzz::check(a.status == b.status && a.content_type == b.content_type, "same head");
    if (buffered.state() == State::kFailed) {
      fuzz::check(!buffered.header_done() || buffered.error_text() == consumed.error_text(),
                  "same error however split");
      break;
    }
    fuzz::check(a.body == streamed, "consumer pieces add up to the buffered body");
    fuzz::check(whole.left() == split.left(), "a response ends at the same byte");
    fuzz::check(buffered.keep_alive() == consumed.keep_alive(), "same keep-alive");
    if (!buffered.keep_alive() || whole.left() == 0) break;
  }
  return 0;
}
