// play_fault: the ways a broken or overloaded Ollama answers, each observable from a socket.
#include <boost/asio/steady_timer.hpp>

#include "inference.hpp"
#include "responses.hpp"
#include "routes.hpp"

namespace fake_ollama {

namespace json = boost::json;

namespace {

// A body of at least `bytes` that is still valid JSON: for the listings, many models (the shape a
// client parses), for anything else one object with a long string.
Reply oversized(State& state, const Request& request, std::int64_t bytes) {
  const auto target = static_cast<std::size_t>(std::max<std::int64_t>(bytes, 2));
  if (request.path == "/api/tags" || request.path == "/api/ps") {
    ModelSpec filler;
    filler.family = "llama";
    filler.parameter_size = "3.2B";
    filler.quantization_level = "Q4_K_M";
    filler.size = filler.running_size = filler.size_vram = 2'019'393'189;
    std::string body = "{\"models\":[";
    for (std::size_t i = 0; body.size() < target; ++i) {
      filler.name = "filler-" + std::to_string(i) + ":latest";
      filler.digest = fake_digest(filler.name);
      json::object entry;
      if (request.path == "/api/tags") {
        Scenario one;
        one.server = state.scenario().server;
        one.models.push_back(filler);
        entry = tags_json(one)["models"].as_array()[0].as_object();
      } else {
        entry =
            ps_json(state.scenario().server, {{&filler, 4096, add(wall_now(), kForever)}})["models"]
                .as_array()[0]
                .as_object();
      }
      if (i > 0) body += ',';
      body += to_go_json(entry);
    }
    return Reply{200, std::string(kJsonType), body + "]}"};
  }
  json::object padded;
  padded["padding"] = std::string(target, 'a');
  return json_reply(200, padded);
}

// Sends a response one byte at a time, each after `interval`.
class Drip : public std::enable_shared_from_this<Drip> {
 public:
  Drip(State& state, std::shared_ptr<Connection> conn, std::string body, Nanos interval)
      : conn_(std::move(conn)), body_(std::move(body)), interval_(interval), timer_(state.ioc) {}

  void start(const std::string& head) {
    std::weak_ptr<Drip> weak = shared_from_this();
    conn_->on_disconnect([weak] {
      if (auto self = weak.lock()) self->stop();
    });
    conn_->write(head, [self = shared_from_this()](bool ok) {
      if (ok) self->next();
    });
  }

 private:
  void next() {
    if (stopped_) return;
    if (sent_ == body_.size()) return conn_->finish();
    timer_.expires_after(std::chrono::nanoseconds(interval_));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped_) return;
      self->conn_->write(self->body_.substr(self->sent_++, 1), [self](bool ok) {
        if (ok) self->next();
      });
    });
  }

  void stop() {
    stopped_ = true;
    timer_.cancel();
    conn_->close();
  }

  std::shared_ptr<Connection> conn_;
  std::string body_;
  Nanos interval_;
  boost::asio::steady_timer timer_;
  std::size_t sent_ = 0;
  bool stopped_ = false;
};

}  // namespace

void play_fault(State& state, const std::shared_ptr<Connection>& conn, const Request& request,
                const FaultSpec& fault) {
  switch (fault.kind) {
    case FaultKind::kBogusMetrics: {  // outside generate/chat there are no metrics to distort
      Reply r = immediate_reply(state, request);
      return conn->send(r.status, r.content_type, std::move(r.body));
    }
    case FaultKind::kStatus:
    case FaultKind::kMidStreamError: {  // outside a stream, a mid-stream error is a plain 500
      const int status = fault.kind == FaultKind::kStatus ? fault.status : 500;
      return conn->send(status, kJsonType, error_json(fault.error));
    }
    case FaultKind::kMalformedJson: {
      // A proper prefix of a JSON object is never valid JSON: the closing brace is missing.
      Reply r = immediate_reply(state, request);
      r.body = r.body.size() < 2 ? std::string("{") : r.body.substr(0, r.body.size() / 2);
      return conn->send(200, r.content_type, std::move(r.body));
    }
    case FaultKind::kTruncated: {
      const Reply r = immediate_reply(state, request);
      const std::size_t promised = std::max<std::size_t>(r.body.size(), 64);
      std::string bytes = response_head(200, r.content_type, promised, false, false);
      if (!request.head()) bytes += r.body.substr(0, r.body.size() / 2);
      return conn->write(std::move(bytes), [conn](bool) { conn->close(); });
    }
    case FaultKind::kHang:
      // Never answer; let go only when the client does.
      return conn->on_disconnect([weak = std::weak_ptr(conn)] {
        if (const auto c = weak.lock()) c->close();
      });
    case FaultKind::kOversized: {
      Reply r = oversized(state, request, fault.bytes);
      return conn->send(200, r.content_type, std::move(r.body));
    }
    case FaultKind::kReset:
      return conn->reset();
    case FaultKind::kSlowDrip: {
      Reply r = immediate_reply(state, request);
      const std::string head =
          response_head(r.status, r.content_type, r.body.size(), false, conn->closing());
      if (request.head()) r.body.clear();
      return std::make_shared<Drip>(state, conn, std::move(r.body), fault.interval)->start(head);
    }
  }
}

}  // namespace fake_ollama
