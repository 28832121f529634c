// HTTP requests as the metrics server reads them: Beast's parser with the server's limits
// (reset_request_parser), requests read one after another from the same bytes as a
// keep-alive connection would, each answered by route_request or, when malformed, by the
// status parse_error_status picks. Beast's in-memory test stream stands in for the socket.
#include "exporters/http_request.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <memory>

#include "exporters/http_routes.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  namespace beast = boost::beast;
  namespace http = beast::http;
  if (size < 1) return 0;
  // The first byte chooses how many bytes each read returns, as TCP segments would.
  const std::size_t read_size = data[0] == 0 ? 65536 : data[0];
  const std::string_view bytes = fuzz::as_text(data + 1, size - 1);

  static const auto snapshot = std::make_shared<const Snapshot>(
      Snapshot{"# TYPE llmon_up gauge\nllmon_up 1\n", std::string(), 1});
  const SnapshotSource metrics = [] { return snapshot; };
  const std::function<bool()> healthy = [] { return true; };
  const HttpLimits limits;

  boost::asio::io_context io;
  beast::test::stream stream(io, bytes);
  stream.read_size(read_size);
  stream.close_remote();
  beast::flat_buffer buffer;
  std::optional<HttpRequestParser> parser;
  for (int requests = 0; requests < 64; ++requests) {
    reset_request_parser(parser, limits);
    beast::error_code ec;
    http::read(stream, buffer, *parser, ec);
    if (const auto status = parse_error_status(ec)) {
      const HttpReply reply = error_reply(*status);
      fuzz::check(!reply.response.keep_alive(), "an error reply closes the connection");
      break;
    }
    if (ec) break;  // the client went away: no answer
    const HttpRequest& request = parser->get();
    fuzz::check(request.body().size() <= limits.max_body_bytes, "the body limit holds");
    const HttpReply reply = route_request(request, metrics, healthy);
    const unsigned status = reply.response.result_int();
    fuzz::check(status == 200 || status == 404 || status == 405 || status == 400,
                "a parsed request gets 200, 400, 404 or 405");
    if (!reply.response.keep_alive()) break;
  }
  return 0;
}
