#include "test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace fake_ollama::testing {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string RawResponse::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

boost::json::value RawResponse::json() const { return boost::json::parse(body); }

std::vector<boost::json::value> RawResponse::ndjson() const {
  std::vector<boost::json::value> lines;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start) lines.push_back(boost::json::parse(body.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

RawClient::RawClient(unsigned short port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to the fake");
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    // The server may answer and close before taking all of a request it refuses (413): stop
    // sending and let the test read what it said.
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void RawClient::send(std::string_view method, std::string_view target, std::string_view body,
                     bool close) {
  std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (close) request += "Connection: close\r\n";
  request += "\r\n";
  request.append(body);
  send_raw(request);
}

bool RawClient::fill(std::chrono::steady_clock::time_point deadline) {
  if (end_ != PeerEnd::kOpen) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{fd_, POLLIN, 0};
  if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n > 0) {
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  end_ = (n < 0 && errno == ECONNRESET) ? PeerEnd::kReset : PeerEnd::kEof;
  return false;
}

RawResponse RawClient::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  RawResponse r;
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return r;
  }
  const std::string head = buffer_.substr(0, head_end);
  buffer_.erase(0, head_end + 4);
  r.status = std::stoi(head.substr(9, 3));
  for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line =
        head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      r.headers[lower(line.substr(0, colon))] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    pos = next;
  }
  if (r.header("transfer-encoding") == "chunked") {
    for (;;) {
      std::size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline)) return r;
      }
      const std::size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
      while (buffer_.size() < line_end + 2 + size + 2) {
        if (!fill(deadline)) return r;
      }
      const std::string data = buffer_.substr(line_end + 2, size);
      buffer_.erase(0, line_end + 2 + size + 2);
      if (size == 0) break;
      r.chunks.push_back(data);
      r.body += data;
    }
    r.complete = true;
  } else if (!r.header("content-length").empty()) {
    const std::size_t length = std::stoul(r.header("content-length"));
    while (buffer_.size() < length && fill(deadline)) {
    }
    r.body = buffer_.substr(0, std::min(length, buffer_.size()));
    buffer_.erase(0, r.body.size());
    r.complete = r.body.size() == length;
  } else {
    while (fill(deadline)) {
    }
    r.body = std::move(buffer_);
    buffer_.clear();
    r.complete = end_ == PeerEnd::kEof;
  }
  return r;
}

std::string RawClient::read_all(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline)) {
  }
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

PeerEnd RawClient::wait_for_end(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline)) buffer_.clear();
  return end_;
}

RawResponse http(unsigned short port, std::string_view method, std::string_view target,
                 std::string_view body) {
  RawClient client(port);
  client.send(method, target, body, true);
  return client.read_response();
}

InProcessServer::InProcessServer(std::string_view scenario_toml) {
  ScenarioResult parsed = parse_scenario(scenario_toml, "test scenario");
  if (!parsed.scenario) throw std::runtime_error(parsed.error);
  server_ = std::make_unique<FakeServer>(ioc_, std::move(*parsed.scenario));
  server_->start(parse_listen_address("127.0.0.1:0"));
  port_ = server_->local_endpoint().port();
  thread_ = std::thread([this] { ioc_.run(); });
}

InProcessServer::~InProcessServer() {
  boost::asio::post(ioc_, [this] {
    server_->stop();
    ioc_.stop();
  });
  thread_.join();
  server_.reset();
}

}  // namespace fake_ollama::testing
