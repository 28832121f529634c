#include "exporters/byte_stream.hpp"

#include <boost/asio/post.hpp>

namespace llmon {

namespace {

class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(boost::asio::ip::tcp::socket&& socket) : socket_(std::move(socket)) {}

  boost::asio::ip::tcp::socket& socket() override { return socket_; }
  bool tls() const override { return false; }

  void async_handshake(IoHandler handler) override {
    boost::asio::post(socket_.get_executor(),
                      [h = std::move(handler)]() mutable { h(boost::system::error_code{}, 0); });
  }

  void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }

  void async_write_some(const WriteBuffers& buffers, IoHandler handler) override {
    // One writev for the response head and body, as Beast would do on a socket.
    socket_.async_write_some(buffers, std::move(handler));
  }

  void async_shutdown(IoHandler handler) override {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    boost::asio::post(socket_.get_executor(), [h = std::move(handler), ec]() mutable { h(ec, 0); });
  }

 private:
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace

std::unique_ptr<ByteStream> make_plain_stream(boost::asio::ip::tcp::socket&& socket) {
  return std::make_unique<PlainStream>(std::move(socket));
}

}  // namespace llmon
