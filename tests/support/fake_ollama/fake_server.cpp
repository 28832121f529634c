#include "fake_server.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "routes.hpp"

namespace fake_ollama {

namespace asio = boost::asio;
using asio::ip::tcp;

FakeServer::FakeServer(asio::io_context& ioc, Scenario scenario, std::string scenario_path)
    : acceptor_(ioc), state_(ioc) {
  state_.scenario_path = std::move(scenario_path);
  state_.apply(std::make_shared<const Scenario>(std::move(scenario)));
}

void FakeServer::start(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) bound_ = acceptor_.local_endpoint(ec);
  if (ec) {
    std::ostringstream where;
    where << endpoint;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    throw std::system_error(ec, "cannot listen on " + where.str());
  }
  accept();
}

void FakeServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (!ec) {
      auto conn = std::make_shared<Connection>(
          std::move(socket), [this](const std::shared_ptr<Connection>& c, Request request) {
            handle_request(state_, c, std::move(request));
          });
      std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
      connections_.push_back(conn);
      conn->start();
    }
    // Errors here concern one would-be connection (or the fd limit); keep accepting.
    accept();
  });
}

void FakeServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : connections_) {
    if (auto conn = weak.lock()) conn->close();
  }
  connections_.clear();
}

tcp::endpoint parse_listen_address(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    throw std::invalid_argument("listen address must be HOST:PORT, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  std::size_t used = 0;
  unsigned long port = 0;
  try {
    port = std::stoul(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port_text.size() || port > 65535) {
    throw std::invalid_argument("bad port in listen address '" + text + "'");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("bad host in listen address '" + text + "'");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace fake_ollama
