#include <doctest/doctest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <limits>
#include <string>
#include <vector>

#include "common/http_response_reader.hpp"

using namespace llmon;
using State = HttpResponseReader::State;

namespace {

// Feeds `bytes` to `reader` `piece` bytes at a time as HttpClient does (what the reader left
// unused is offered again with the next piece), then the server's close if `close` and the
// reader still wants more. Returns the bytes left over for the next response.
std::string read(HttpResponseReader& reader, std::string_view bytes,
                 std::size_t piece = std::numeric_limits<std::size_t>::max(), bool close = true) {
  std::string pending;
  for (std::size_t at = 0; at < bytes.size() && reader.state() == State::kReading;) {
    const std::size_t n = std::min(piece, bytes.size() - at);
    pending.append(bytes.substr(at, n));
    at += n;
    pending.erase(0, reader.feed(pending));
    if (reader.state() != State::kReading) pending.append(bytes.substr(at));
  }
  if (close) reader.feed_eof();
  return pending;
}

HttpResponseSettings limits(std::size_t max_body = 1 << 20) { return {.max_body_bytes = max_body}; }

std::string chunked(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& c : chunks) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", c.size());
    out += size + c + "\r\n";
  }
  return out + "0\r\n\r\n";
}

const std::string kPsBody = R"({"models":[{"name":"qwen3:8b","size":6000000000}]})";
const std::string kPs =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
    "Date: Mon, 23 Nov 2026 16:45:12 GMT\r\nContent-Length: " +
    std::to_string(kPsBody.size()) + "\r\n\r\n" + kPsBody;
const std::vector<std::string> kLines = {
    R"({"model":"qwen3:8b","response":"Hel","done":false})"
    "\n",
    R"({"model":"qwen3:8b","response":"lo","done":false})"
    "\n",
    R"({"model":"qwen3:8b","response":"","done":true,"eval_count":2})"
    "\n"};
const std::string kGenerate =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
    "Transfer-Encoding: chunked\r\n\r\n" +
    chunked(kLines);

}  // namespace

TEST_CASE("http response reader: an ordinary response, whole or a byte at a time") {
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, kPs.size()}) {
    CAPTURE(piece);
    HttpResponseReader reader(limits());
    // The next response on a kept-alive connection is left for the next reader.
    const std::string rest = read(reader, kPs + "HTTP/1.1 204", piece, false);
    REQUIRE(reader.state() == State::kComplete);
    CHECK(reader.response().status == 200);
    CHECK(reader.response().content_type == "application/json; charset=utf-8");
    CHECK(reader.response().body == kPsBody);
    CHECK(reader.keep_alive());
    CHECK(rest == "HTTP/1.1 204");
  }
  HttpResponseReader closing(limits());
  read(closing,
       "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n"
       "Content-Length: 18\r\n\r\n404 page not found");
  REQUIRE(closing.state() == State::kComplete);
  CHECK(closing.response().status == 404);
  CHECK(closing.response().body == "404 page not found");
  CHECK_FALSE(closing.keep_alive());
}

TEST_CASE("http response reader: a chunked stream reaches the consumer as it is parsed") {
  std::string whole;
  for (const auto& line : kLines) whole += line;
  for (const std::size_t piece : {std::size_t{1}, std::size_t{5}, kGenerate.size()}) {
    CAPTURE(piece);
    std::vector<std::string> pieces;
    HttpResponseReader reader(limits(), [&](std::string_view p) {
      pieces.emplace_back(p);
      return true;
    });
    read(reader, kGenerate, piece, false);
    REQUIRE(reader.state() == State::kComplete);
    CHECK(reader.response().content_type == "application/x-ndjson");
    CHECK(reader.response().body.empty());
    std::string joined;
    for (const auto& p : pieces) joined += p;
    CHECK(joined == whole);
    CHECK(pieces.size() >= kLines.size());
  }
  // No piece is larger than piece_bytes, however large the chunk.
  std::vector<std::size_t> sizes;
  HttpResponseSettings small = limits();
  small.piece_bytes = 16;
  HttpResponseReader reader(small, [&](std::string_view p) {
    sizes.push_back(p.size());
    return true;
  });
  read(reader,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked({std::string(40, 'x')}));
  REQUIRE(reader.state() == State::kComplete);
  CHECK(sizes == std::vector<std::size_t>{16, 16, 8});
}

TEST_CASE("http response reader: a body shorter or longer than its Content-Length") {
  HttpResponseReader truncated(limits());
  read(truncated, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"models\":");
  REQUIRE(truncated.state() == State::kFailed);
  CHECK(truncated.error_text() ==
        "reading the response body: connection closed before the response was complete");
  CHECK(truncated.response().status == 200);

  // Bytes past Content-Length are not this response's: they start the next one.
  HttpResponseReader longer(limits());
  const std::string rest =
      read(longer, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}, \"more\": 1}\r\n");
  REQUIRE(longer.state() == State::kComplete);
  CHECK(longer.response().body == "{}");
  CHECK(rest == ", \"more\": 1}\r\n");
  HttpResponseReader next(limits());
  read(next, rest);
  REQUIRE(next.state() == State::kFailed);
  CHECK(next.error_text() == "no response: bad version");

  HttpResponseReader bad(limits());
  read(bad, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
  CHECK(bad.error_text() == "no response: multiple Content-Length");

  HttpResponseReader chunk(limits());
  read(chunk, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}\r\n0\r\n\r\n");
  CHECK(chunk.error_text() == "reading the response body: bad chunk");

  HttpResponseReader reset(limits());
  read(reset, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", 1000, false);
  reset.fail(boost::asio::error::connection_reset);
  CHECK(reset.error_text() == "reading the response body: Connection reset by peer");
}

TEST_CASE("http response reader: headers and bodies over the limits are refused") {
  HttpResponseReader headers(limits());
  read(headers, "HTTP/1.1 200 OK\r\nX-Junk: " + std::string(70000, 'a') + "\r\n\r\n{}", 4096);
  REQUIRE(headers.state() == State::kFailed);
  CHECK(headers.error_text() == "response headers larger than 65536 bytes");
  CHECK_FALSE(headers.header_done());

  // Announced too large: refused before any of it is read.
  HttpResponseReader announced(limits(1024));
  read(announced, "HTTP/1.1 200 OK\r\nContent-Length: 3145728\r\n\r\nxxxx", 1000, false);
  REQUIRE(announced.state() == State::kFailed);
  CHECK(announced.error_text() == "response body larger than 1024 bytes");

  std::size_t streamed = 0;
  HttpResponseReader stream(limits(1024), [&](std::string_view p) {
    streamed += p.size();
    return true;
  });
  read(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunked({std::string(1000, 'a'), std::string(1000, 'b')}));
  REQUIRE(stream.state() == State::kFailed);
  CHECK(stream.error_text() == "response body larger than 1024 bytes");
  CHECK(streamed == 1000);
  HttpResponseReader chunk(limits(1024));
  read(chunk, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", 1000, false);
  REQUIRE(chunk.state() == State::kFailed);  // as announced, before its data is read
  CHECK(chunk.error_text() == "response body larger than 1024 bytes");

  // Neither length nor chunks: the body runs until the server closes.
  HttpResponseReader to_close(limits(1024));
  read(to_close, "HTTP/1.1 200 OK\r\n\r\n" + std::string(2000, 'x'));
  REQUIRE(to_close.state() == State::kFailed);
  CHECK(to_close.error_text() == "response body larger than 1024 bytes");
  CHECK(to_close.response().body.size() <= 1024);
  HttpResponseReader fits(limits(1024));
  read(fits, "HTTP/1.0 200 OK\r\n\r\n" + std::string(1000, 'x'));
  REQUIRE(fits.state() == State::kComplete);
  CHECK(fits.response().body.size() == 1000);
  CHECK_FALSE(fits.keep_alive());
}

TEST_CASE("http response reader: the limits count what arrived, however it was split") {
  // The limit is the whole head's however it arrives (Beast alone limits the status line and the
  // fields each on their own when they come in one piece: up to twice the limit).
  const std::string split_head = "HTTP/1.1 200 " + std::string(40000, 'r') +
                                 "\r\nX-Junk: " + std::string(40000, 'a') +
                                 "\r\nContent-Length: 2\r\n\r\n{}";
  for (const std::size_t piece : {std::size_t{1000}, split_head.size()}) {
    CAPTURE(piece);
    HttpResponseReader reader(limits());
    read(reader, split_head, piece);
    REQUIRE(reader.state() == State::kFailed);
    CHECK(reader.error_text() == "response headers larger than 65536 bytes");
  }
  HttpResponseReader within(limits());
  read(within, "HTTP/1.1 200 " + std::string(30000, 'r') +
                   "\r\nX-Junk: " + std::string(30000, 'a') + "\r\nContent-Length: 2\r\n\r\n{}");
  CHECK(within.state() == State::kComplete);

  // A chunk is charged once, though its header is parsed anew as its bytes trickle in (Beast
  // alone charges it each time: a malformed chunk became "larger than" the limit).
  const std::string bad_extension =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400;x=\"a\r\nbcdefgh\"\r\n";
  for (const std::size_t piece : {std::size_t{1}, bad_extension.size()}) {
    CAPTURE(piece);
    HttpResponseReader reader(limits(4096));
    read(reader, bad_extension, piece);
    CHECK(reader.error_text() == "reading the response body: bad chunk extension");
  }

  // A body that ends with the close is charged for what it is, however it arrives (Beast alone
  // charges it for the whole input of each step, though a step takes at most one piece of it).
  for (const std::size_t piece : {std::size_t{1000}, std::size_t{50000}}) {
    CAPTURE(piece);
    HttpResponseReader until_close(limits(65536));
    read(until_close,
         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + std::string(40000, 'x'), piece);
    REQUIRE(until_close.state() == State::kComplete);
    CHECK(until_close.response().body.size() == 40000);
  }
}

TEST_CASE("http response reader: the answer to HEAD has no body, whatever it announces") {
  HttpResponseSettings head = limits();
  head.head = true;
  HttpResponseReader reader(head);
  const std::string rest = read(reader,
                                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                "Content-Length: 17\r\n\r\nHTTP/1.1 200 OK\r\n",
                                3, false);
  REQUIRE(reader.state() == State::kComplete);
  CHECK(reader.response().status == 200);
  CHECK(reader.response().body.empty());
  CHECK(reader.keep_alive());
  CHECK(rest == "HTTP/1.1 200 OK\r\n");
}

TEST_CASE("http response reader: a consumer that has enough stops the reading") {
  int calls = 0;
  HttpResponseReader reader(limits(), [&](std::string_view piece) {
    ++calls;
    CHECK(piece == kLines[0]);
    return false;
  });
  read(reader, kGenerate);
  CHECK(reader.state() == State::kStopped);
  CHECK(calls == 1);
  CHECK(reader.response().status == 200);
  CHECK(reader.response().body.empty());
  CHECK_FALSE(reader.keep_alive());
}

TEST_CASE("http response reader: garbage and silence are no response") {
  HttpResponseReader ssh(limits());
  read(ssh, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  REQUIRE(ssh.state() == State::kFailed);
  CHECK(ssh.error_text() == "no response: bad version");
  CHECK(ssh.response().status == 0);

  HttpResponseReader status(limits());
  read(status, "HTTP/1.1 2OO OK\r\n\r\n");
  CHECK(status.error_text() == "no response: bad status");

  // A kept-alive connection the server dropped: HttpClient retries on exactly this error.
  HttpResponseReader silent(limits());
  read(silent, "");
  REQUIRE(silent.state() == State::kFailed);
  CHECK(silent.error() == boost::beast::http::error::end_of_stream);
  CHECK(silent.error_text() == "no response: connection closed before the response was complete");

  // A head that never ends fails on what Beast sees first: a bad field when it comes whole; the
  // close when it comes in pieces (Beast then waits for the blank line to read the fields).
  const std::string unended = "HTTP/1.1 200 OK\r\nConte\xc5t-Type: text/plain\r\n";
  HttpResponseReader whole(limits());
  read(whole, unended);
  CHECK(whole.error_text() == "no response: bad field");
  HttpResponseReader pieces(limits());
  read(pieces, unended, 9);
  CHECK(pieces.error_text() == "no response: connection closed before the response was complete");

  HttpResponseReader half(limits());
  read(half, "HTTP/1.1 200 OK\r\nContent-Ty");
  CHECK(half.error_text() == "no response: connection closed before the response was complete");
}
