#pragma once
// FakeServer: a fake Ollama listening on a TCP address, for llmon's tests and demo: accepts
// connections and answers them from a Scenario (see tests/fixtures/ollama/README.md). Everything
// runs on the given io_context, which must be run by exactly one thread; the object itself is not
// thread-safe and must be destroyed after that thread stopped running the io_context.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "connection.hpp"
#include "scenario.hpp"
#include "state.hpp"

namespace fake_ollama {

class FakeServer {
 public:
  // `scenario_path` is what SIGHUP and POST /_fake/reload re-read ("" when there is none).
  FakeServer(boost::asio::io_context& ioc, Scenario scenario, std::string scenario_path = "");
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // Binds and listens (port 0: the kernel picks one) and starts accepting. Throws
  // std::system_error naming the address when that fails.
  void start(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const { return bound_; }

  // Re-reads the scenario file; "" once applied, else the reason (the old scenario stays).
  std::string reload() { return state_.reload(); }
  // Stops accepting and closes every connection.
  void stop();

 private:
  void accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint bound_;
  State state_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

// "127.0.0.1:0", "[::1]:11434", "localhost:8080" -> endpoint; throws std::invalid_argument.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

}  // namespace fake_ollama
