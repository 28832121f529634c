// run_inference: one generate/chat request played in real time on timers (never sleeping on the
// io thread): queue and load through the scheduler, the first token after first_token_delay, then
// one token per 1/tokens_per_second, and the final object one token time after the last token.
#include <boost/asio/steady_timer.hpp>
#include <cmath>

#include "inference.hpp"

namespace fake_ollama {

namespace {

using Clock = std::chrono::steady_clock;

Nanos elapsed_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

class InferenceJob : public std::enable_shared_from_this<InferenceJob> {
 public:
  InferenceJob(State& state, std::shared_ptr<Connection> conn, InferenceRequest request,
               std::optional<FaultSpec> fault)
      : state_(state),
        scenario_(state.scheduler.scenario_ptr()),
        conn_(std::move(conn)),
        request_(std::move(request)),
        mid_stream_(fault && fault->kind == FaultKind::kMidStreamError ? fault : std::nullopt),
        bogus_(fault && fault->kind == FaultKind::kBogusMetrics ? fault : std::nullopt),
        timer_(state.ioc),
        start_(Clock::now()) {}

  void start() {
    std::weak_ptr<InferenceJob> weak = shared_from_this();
    conn_->on_disconnect([weak] {
      if (auto self = weak.lock()) self->cancel();
    });
    if (request_.empty && request_.keep_alive && *request_.keep_alive == 0) {
      state_.scheduler.expire(*request_.spec);
      return reply(json_reply(200, lifecycle("unload")));
    }
    ticket_ = state_.scheduler.acquire(
        *request_.spec, request_.num_ctx, request_.keep_alive,
        [self = shared_from_this()](Grant g) { self->on_ready(g); },
        [self = shared_from_this()](int status, std::string error) {
          self->reply(error_reply(status, error));
        });
  }

 private:
  boost::json::object lifecycle(std::string_view reason) const {
    return lifecycle_reply(request_.endpoint, request_.model, now_text(), reason);
  }
  static std::string now_text() { return format_rfc3339_nano(wall_now(), 0); }

  void on_ready(Grant grant) {
    if (done_) return;
    grant_ = grant;
    if (request_.empty) return reply(json_reply(200, lifecycle("load")));
    if (mid_stream_ && !request_.stream) return reply(error_reply(500, mid_stream_->error));
    answer_ = plan_answer(*request_.spec, request_.prompt, request_.thinking, request_.num_predict);
    first_token_ =
        Clock::now() + std::chrono::nanoseconds(first_token_delay(*request_.spec, request_.prompt));
    interval_ns_ = 1e9 / request_.spec->tokens_per_second;
    if (request_.stream) return schedule(0);
    // Not streaming: the whole answer once the stream would have ended.
    wait_until(token_time(answer_.tokens.size()), [this] { send_whole(); });
  }

  Clock::time_point token_time(std::size_t i) const {
    return first_token_ +
           std::chrono::nanoseconds(std::llround(static_cast<double>(i) * interval_ns_));
  }

  template <typename F>
  void wait_until(Clock::time_point when, F then) {
    timer_.expires_at(when);
    timer_.async_wait([self = shared_from_this(), then](boost::system::error_code ec) {
      if (!ec && !self->done_) then();
    });
  }

  // Streams chunk `i` (the final object once the tokens are out), written in order.
  void schedule(std::size_t i) {
    const std::size_t n = answer_.tokens.size();
    if (mid_stream_ && (i >= n || static_cast<int>(i) >= mid_stream_->after_chunks)) {
      return wait_until(token_time(i), [this] { cut_stream(); });
    }
    if (i >= n) return wait_until(token_time(n), [this] { end_stream(); });
    wait_until(token_time(i), [this, i] {
      const auto line =
          stream_chunk(request_.endpoint, request_.model, now_text(), answer_.tokens[i]);
      write_line(to_go_json(line), [self = shared_from_this(), i] { self->schedule(i + 1); });
    });
  }

  // The headers go out with the first line, as gin's c.Stream does.
  void write_line(const std::string& json_text, std::function<void()> then) {
    std::string bytes;
    if (!head_sent_) {
      bytes = response_head(200, kNdjsonType, std::nullopt, conn_->http11(), conn_->closing());
      head_sent_ = true;
    }
    const std::string line = json_text + "\n";
    bytes += conn_->http11() ? chunk(line) : line;
    conn_->write(std::move(bytes), [self = shared_from_this(), then = std::move(then)](bool ok) {
      if (!ok) return self->cancel();
      if (then && !self->done_) then();
    });
  }

  FinalParts final_parts() const {
    const auto count = static_cast<std::int64_t>(answer_.tokens.size());
    FinalParts parts;
    parts.done_reason = answer_.done_reason;
    parts.metrics = answer_metrics(*request_.spec, request_.prompt, count, elapsed_since(start_),
                                   grant_.load_duration);
    if (request_.endpoint == Endpoint::kGenerate && !request_.raw) {
      parts.context = fake_context(parts.metrics.prompt_eval_count + count);
    }
    return parts;
  }

  // The final object, with a bogus_metrics fault's claims in place of the true fields.
  boost::json::object final_object(const FinalParts& parts) const {
    auto out = final_chunk(request_.endpoint, request_.model, now_text(), parts);
    if (bogus_) {
      for (const auto& field : bogus_->metrics) out[field.key()] = field.value();
    }
    return out;
  }

  void end_stream() {
    const auto final = final_object(final_parts());
    write_line(to_go_json(final), [self = shared_from_this()] { self->close_stream(); });
  }

  // streamResponse's way with an error after content: an {"error"} line, then the stream ends.
  void cut_stream() {
    write_line(error_json(mid_stream_->error),
               [self = shared_from_this()] { self->close_stream(); });
  }

  void close_stream() {
    if (!conn_->http11()) return complete([this] { conn_->close(); });
    conn_->write(std::string(kLastChunk), [self = shared_from_this()](bool ok) {
      if (!ok) return self->cancel();
      self->complete([self] { self->conn_->finish(); });
    });
  }

  void send_whole() {
    FinalParts parts = final_parts();
    for (const auto& t : answer_.tokens) (t.thinking ? parts.thinking : parts.response) += t.text;
    reply(json_reply(200, final_object(parts)));
  }

  // A whole reply: the slot is released once it is sent, as the request then ends.
  void reply(const Reply& r) {
    if (done_) return;
    const std::string head =
        response_head(r.status, r.content_type, r.body.size(), false, conn_->closing());
    conn_->write(head + r.body, [self = shared_from_this()](bool ok) {
      if (!ok) return self->cancel();
      self->complete([self] { self->conn_->finish(); });
    });
  }

  template <typename F>
  void complete(F then) {
    if (done_) return;
    done_ = true;
    state_.scheduler.release(ticket_);
    then();
  }

  // The client went away: like a cancelled Go context, drop the request and free the slot.
  void cancel() {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    state_.scheduler.release(ticket_);
    conn_->close();
  }

  State& state_;
  std::shared_ptr<const Scenario> scenario_;  // keeps request_.spec alive across a reset
  std::shared_ptr<Connection> conn_;
  InferenceRequest request_;
  std::optional<FaultSpec> mid_stream_;
  std::optional<FaultSpec> bogus_;
  boost::asio::steady_timer timer_;
  Clock::time_point start_;
  Clock::time_point first_token_;
  double interval_ns_ = 0;
  Ticket ticket_;
  Grant grant_;
  Answer answer_;
  bool head_sent_ = false;
  bool done_ = false;
};

}  // namespace

void run_inference(State& state, const std::shared_ptr<Connection>& conn, InferenceRequest request,
                   std::optional<FaultSpec> fault) {
  std::make_shared<InferenceJob>(state, conn, std::move(request), std::move(fault))->start();
}

}  // namespace fake_ollama
