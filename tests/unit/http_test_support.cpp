#include "http_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/gzip.hpp"

namespace llmon::testing {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Response parse_head(const std::string& head) {
  Response response;
  std::size_t pos = head.find("\r\n");
  response.status_line = head.substr(0, pos);
  const auto space = response.status_line.find(' ');
  if (space == std::string::npos) throw std::runtime_error("bad status line: " + head);
  response.status = std::stoi(response.status_line.substr(space + 1, 3));
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    pos = head.find("\r\n", start);
    const std::string line = head.substr(start, pos - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers[lower(line.substr(0, colon))] = value;
  }
  return response;
}

}  // namespace

void SnapshotHolder::publish(std::string text) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->gzip = gzip_compress(text);
  snapshot->text = std::move(text);
  std::lock_guard lock(mutex_);
  snapshot->generation = ++generation_;
  current_ = std::move(snapshot);
}

void SnapshotHolder::clear() {
  std::lock_guard lock(mutex_);
  current_.reset();
}

SnapshotPtr SnapshotHolder::get() const {
  std::lock_guard lock(mutex_);
  return current_;
}

TestServer::TestServer(HttpLimits limits, bool publish_initial, int threads)
    : work_(boost::asio::make_work_guard(ioc_)),
      server_(
          ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}, [this] { return snapshots.get(); },
          [this] { return healthy.load(); }, limits) {
  if (publish_initial) snapshots.publish(kInitialText);
  server_.start();
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

bool TestServer::stop_and_wait_idle(std::chrono::milliseconds timeout) {
  stopped_ = true;
  server_.stop();
  auto idle = std::make_shared<std::promise<void>>();
  server_.async_wait_idle([idle] { idle->set_value(); });
  return idle->get_future().wait_for(timeout) == std::future_status::ready;
}

TestServer::~TestServer() {
  if (!stopped_) stop_and_wait_idle(2s);
  work_.reset();
  ioc_.stop();
  for (auto& thread : threads_) thread.join();
}

std::string Response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

RawClient::RawClient(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot bind to " + source + ": " + std::strerror(errno));
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(endpoint.port());
  addr.sin_addr.s_addr = htonl(endpoint.address().to_v4().to_uint());
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    ::close(fd_);
    throw std::runtime_error(std::string("connect() failed: ") + std::strerror(error));
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) throw std::runtime_error(std::string("send() failed: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

RawClient::Read RawClient::read_some(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return Read::kTimeout;
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return Read::kTimeout;
  char buf[8192];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return Read::kClosed;  // EOF, or ECONNRESET
  pending_.append(buf, static_cast<std::size_t>(n));
  return Read::kData;
}

std::optional<Response> RawClient::read_response(bool head, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (read_some(deadline) != Read::kData) return std::nullopt;
  }
  Response response = parse_head(pending_.substr(0, end));
  pending_.erase(0, end + 4);
  if (!head) {
    const std::size_t length = std::stoul(response.header("content-length"));
    while (pending_.size() < length) {
      if (read_some(deadline) != Read::kData) return std::nullopt;
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
  }
  return response;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    switch (read_some(deadline)) {
      case Read::kClosed:
        return true;
      case Read::kTimeout:
        return false;
      case Read::kData:
        pending_.clear();
        break;
    }
  }
}

std::string RawClient::read_all(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (read_some(deadline) == Read::kData) {
  }
  return std::exchange(pending_, {});
}

std::size_t RawClient::available() const {
  int n = 0;
  ::ioctl(fd_, FIONREAD, &n);
  return pending_.size() + static_cast<std::size_t>(std::max(n, 0));
}

std::string RawClient::read_chunk(std::chrono::milliseconds timeout) {
  if (pending_.empty()) read_some(std::chrono::steady_clock::now() + timeout);
  return std::exchange(pending_, {});
}

Response fetch(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& method,
               const std::string& target, const std::string& extra) {
  RawClient client(endpoint);
  client.send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra +
              "Connection: close\r\n\r\n");
  auto response = client.read_response(method == "HEAD");
  if (!response) throw std::runtime_error("no response to " + method + " " + target);
  return *response;
}

}  // namespace llmon::testing
