#pragma once
// ByteStream: the byte transport of one accepted connection, plain TCP or TLS, behind a virtual
// interface. The HTTP session is written once against it, and the TLS implementation lives in a
// plugin (exporters/tls_plugin/) that is only loaded when TLS is configured, so that OpenSSL costs
// no memory otherwise. Everything here is header-only on purpose: the plugin must not need any
// symbol of the llmon binary. Not thread-safe: use a stream from its connection's strand only.
#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

namespace llmon {

// A move-only, type-erased completion handler taking (error_code, bytes transferred).
class IoHandler {
 public:
  IoHandler() = default;
  template <typename F>
  explicit IoHandler(F&& f) : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {}

  // Frees the stored state before calling it, as Asio expects of completion handlers.
  void operator()(boost::system::error_code ec, std::size_t bytes) {
    std::unique_ptr<Base> impl = std::move(impl_);
    impl->invoke(std::move(impl), ec, bytes);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void invoke(std::unique_ptr<Base> self, boost::system::error_code ec,
                        std::size_t bytes) = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F&& f) : fn(std::move(f)) {}
    void invoke(std::unique_ptr<Base> self, boost::system::error_code ec,
                std::size_t bytes) override {
      F local = std::move(fn);
      self.reset();
      local(ec, bytes);
    }
    F fn;
  };
  std::unique_ptr<Base> impl_;
};

// Up to this many buffers go into one write_some; the rest wait for the next call.
inline constexpr std::size_t kMaxWriteBuffers = 8;
using WriteBuffers = std::array<boost::asio::const_buffer, kMaxWriteBuffers>;

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // The TCP socket underneath: options, peer address, cancel() and close().
  virtual boost::asio::ip::tcp::socket& socket() = 0;
  virtual bool tls() const = 0;
  // The TLS server handshake; plain TCP completes at once.
  virtual void async_handshake(IoHandler handler) = 0;
  virtual void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) = 0;
  // Writes some bytes of `buffers` (unused entries are empty).
  virtual void async_write_some(const WriteBuffers& buffers, IoHandler handler) = 0;
  // TLS: sends close_notify; plain TCP: shuts down the sending direction. Then the caller closes.
  virtual void async_shutdown(IoHandler handler) = 0;
};

// A ByteStream over a plain TCP socket.
std::unique_ptr<ByteStream> make_plain_stream(boost::asio::ip::tcp::socket&& socket);

// Lets Beast's HTTP algorithms (http::async_read, http::async_write) run on a ByteStream: an
// AsyncReadStream and AsyncWriteStream that forwards to it. `on_write_progress` runs on every
// completed write_some, so that the connection can tell a stalled response from a slow one.
class StreamRef {
 public:
  using executor_type = boost::asio::any_io_executor;

  StreamRef(ByteStream& stream, executor_type executor, std::function<void()> on_write_progress)
      : stream_(&stream),
        executor_(std::move(executor)),
        on_write_progress_(std::move(on_write_progress)) {}

  executor_type get_executor() const noexcept { return executor_; }

  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      first = *it;
      if (first.size() > 0) break;
    }
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](auto handler, ByteStream* stream, boost::asio::mutable_buffer buffer) {
          stream->async_read_some(buffer, IoHandler(std::move(handler)));
        },
        token, stream_, first);
  }

  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    WriteBuffers some{};
    std::size_t n = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && n < kMaxWriteBuffers; ++it) {
      boost::asio::const_buffer b = *it;
      if (b.size() > 0) some[n++] = b;
    }
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](auto handler, ByteStream* stream, const WriteBuffers& some,
           const std::function<void()>* progress) {
          stream->async_write_some(
              some, IoHandler([h = std::move(handler), progress](boost::system::error_code ec,
                                                                 std::size_t bytes) mutable {
                if (!ec && *progress) (*progress)();
                h(ec, bytes);
              }));
        },
        token, stream_, some, &on_write_progress_);
  }

 private:
  ByteStream* stream_;
  executor_type executor_;
  std::function<void()> on_write_progress_;
};

}  // namespace llmon
