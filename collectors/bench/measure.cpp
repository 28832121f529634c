#include "collectors/bench/measure.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>

#include "common/label_value.hpp"
#include "common/number_format.hpp"

namespace llmon::bench {

namespace json = boost::json;

namespace {

std::optional<double> ratio(const std::optional<std::int64_t>& count,
                            const std::optional<std::int64_t>& duration_ns) {
  if (!count || !duration_ns || *duration_ns <= 0) return std::nullopt;
  return static_cast<double>(*count) / (static_cast<double>(*duration_ns) / 1e9);
}

std::string_view text_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return it->value().get_string();
}

// Log-safe start of a line for error messages.
std::string snippet(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (line.size() > 80) out += "...";
  return out;
}

void append_bounded(std::string& out, std::string_view text) {
  const std::size_t room = Measurement::kMaxResponseText - out.size();
  if (text.size() <= room) {
    out.append(text);
    return;
  }
  // Never leave half a UTF-8 sequence at the end.
  std::size_t cut = room;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  out.append(text.substr(0, cut));
}

// Absent stays absent; a present value must be a non-negative integer.
bool read_int(const json::object& o, std::string_view key, std::optional<std::int64_t>& out,
              std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return true;
  const json::value& v = it->value();
  if (v.is_int64() && v.get_int64() >= 0) {
    out = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double() && v.get_double() >= 0 && v.get_double() < 9.2e18 &&
             std::trunc(v.get_double()) == v.get_double()) {
    out = static_cast<std::int64_t>(v.get_double());
  } else {
    error = std::string(key) + ": expected a non-negative integer";
    return false;
  }
  return true;
}

// Drops what no real server can report (kMaxPlausible*): a count or duration out of range, or a
// duration too short for its token count (then the rate is absent, the count stays).
void drop_impossible(Measurement& m) {
  std::string what;
  auto note = [&](const std::string& text) { what += (what.empty() ? "" : "; ") + text; };
  for (auto [name, field] : {std::pair{"prompt_eval_count", &m.prompt_eval_count},
                             std::pair{"eval_count", &m.eval_count}}) {
    if (*field && *field > kMaxPlausibleTokens) {
      note(std::string(name) + " " + std::to_string(**field) + " tokens");
      field->reset();
    }
  }
  for (auto [name, field] : {std::pair{"total_duration", &m.total_duration_ns},
                             std::pair{"load_duration", &m.load_duration_ns},
                             std::pair{"prompt_eval_duration", &m.prompt_eval_duration_ns},
                             std::pair{"eval_duration", &m.eval_duration_ns}}) {
    if (*field && *field > kMaxPlausibleDurationNs) {
      note(std::string(name) + " " + std::to_string(**field) + " ns");
      field->reset();
    }
  }
  auto rate = [&](const char* name, const std::optional<std::int64_t>& count,
                  std::optional<std::int64_t>& duration, double max) {
    const auto r = ratio(count, duration);
    if (!r || *r <= max) return;
    note(std::string(name) + " " + std::to_string(*duration) + " ns for " + std::to_string(*count) +
         " tokens (" + format_number(*r) + " tokens/s)");
    duration.reset();
  };
  rate("prompt_eval_duration", m.prompt_eval_count, m.prompt_eval_duration_ns,
       kMaxPlausiblePromptTokensPerSecond);
  rate("eval_duration", m.eval_count, m.eval_duration_ns, kMaxPlausibleEvalTokensPerSecond);
  m.impossible = std::move(what);
}

struct Applied {
  bool token = false;  // a token chunk: the caller times it
  bool stop = false;   // final object or error
};

// Folds one decoded line (or whole response) into `m`.
Applied apply_object(Measurement& m, const json::object& o, std::size_t line_no) {
  Applied a;
  if (auto it = o.find("error"); it != o.end()) {
    const json::value& v = it->value();
    std::string msg = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    // It goes into log lines and reports: one line, control characters visible, bounded.
    m.error = msg.empty() ? "empty error message from Ollama" : label_value(msg);
    a.stop = true;
    return a;
  }
  std::string_view content = text_field(o, "response");
  std::string_view thinking = text_field(o, "thinking");
  if (auto it = o.find("message"); it != o.end() && it->value().is_object()) {
    const json::object& msg = it->value().get_object();
    if (content.empty()) content = text_field(msg, "content");
    if (thinking.empty()) thinking = text_field(msg, "thinking");
  }
  if (!content.empty() || !thinking.empty()) {
    a.token = true;
    ++m.chunks;
    m.response_bytes += content.size();
    m.thinking_bytes += thinking.size();
    append_bounded(m.response_text, content);
  }
  auto done = o.find("done");
  if (done == o.end() || !done->value().is_bool() || !done->value().get_bool()) return a;

  m.done = true;
  a.stop = true;
  m.done_reason = bounded_text(text_field(o, "done_reason"), kMaxTextBytes);
  std::string err;
  const bool ok = read_int(o, "total_duration", m.total_duration_ns, err) &&
                  read_int(o, "load_duration", m.load_duration_ns, err) &&
                  read_int(o, "prompt_eval_count", m.prompt_eval_count, err) &&
                  read_int(o, "prompt_eval_duration", m.prompt_eval_duration_ns, err) &&
                  read_int(o, "eval_count", m.eval_count, err) &&
                  read_int(o, "eval_duration", m.eval_duration_ns, err);
  if (!ok) m.error = "final object on line " + std::to_string(line_no) + ": " + err;
  drop_impossible(m);
  return a;
}

const char* kind_name(const json::value& v) {
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_null()) return "null";
  if (v.is_bool()) return "a boolean";
  return "a number";
}

}  // namespace

std::optional<double> Measurement::eval_tokens_per_second() const {
  return ratio(eval_count, eval_duration_ns);
}

std::optional<double> Measurement::prompt_tokens_per_second() const {
  return ratio(prompt_eval_count, prompt_eval_duration_ns);
}

std::optional<double> Measurement::queue_seconds() const {
  if (!total_duration_ns) return std::nullopt;
  const std::int64_t rest = *total_duration_ns - load_duration_ns.value_or(0) -
                            prompt_eval_duration_ns.value_or(0) - eval_duration_ns.value_or(0);
  return rest > 0 ? static_cast<double>(rest) / 1e9 : 0.0;
}

StreamMeasurer::StreamMeasurer(Clock::time_point request_start, std::size_t max_line_bytes)
    : start_(request_start), last_feed_(request_start), max_line_bytes_(max_line_bytes) {}

void StreamMeasurer::fail(std::string message) {
  m_.error = std::move(message);
  stopped_ = true;
}

bool StreamMeasurer::feed(std::string_view piece, Clock::time_point now) {
  if (stopped_ || finished_) return false;
  last_feed_ = now;
  while (!piece.empty() && !stopped_) {
    const std::size_t nl = piece.find('\n');
    const std::size_t take = nl == std::string_view::npos ? piece.size() : nl;
    if (pending_.size() + take > max_line_bytes_) {
      fail("line " + std::to_string(line_no_ + 1) + " is longer than " +
           std::to_string(max_line_bytes_) + " bytes");
      break;
    }
    if (nl == std::string_view::npos) {
      pending_.append(piece);
      break;
    }
    if (pending_.empty()) {
      handle_line(piece.substr(0, nl), now);
    } else {
      pending_.append(piece.substr(0, nl));
      handle_line(pending_, now);
      pending_.clear();
    }
    piece.remove_prefix(nl + 1);
  }
  return !stopped_;
}

void StreamMeasurer::handle_line(std::string_view line, Clock::time_point now, bool unterminated) {
  ++line_no_;
  const std::size_t last = line.find_last_not_of(" \t\r");
  if (last == std::string_view::npos) return;  // keep-alive blank lines are not chunks
  line = line.substr(0, last + 1);

  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  const json::value v = json::parse(line, ec, {}, options);
  if (ec && unterminated) {
    fail("stream ended before the final object, inside line " + std::to_string(line_no_));
    return;
  }
  if (ec) {
    fail("malformed line " + std::to_string(line_no_) + ": " + ec.message() + ": " + snippet(line));
    return;
  }
  if (!v.is_object()) {
    fail("malformed line " + std::to_string(line_no_) + ": expected a JSON object, found " +
         kind_name(v));
    return;
  }
  const Applied a = apply_object(m_, v.get_object(), line_no_);
  if (a.token) {
    if (!m_.ttft_seconds) m_.ttft_seconds = std::chrono::duration<double>(now - start_).count();
    if (last_token_) {
      const double gap = std::chrono::duration<double>(now - *last_token_).count();
      gap_sum_ += gap;
      ++gaps_;
      if (!m_.max_gap_seconds || gap > *m_.max_gap_seconds) m_.max_gap_seconds = gap;
    }
    last_token_ = now;
  }
  if (a.stop) stopped_ = true;
}

Measurement StreamMeasurer::finish() {
  if (!finished_) {
    finished_ = true;
    if (!stopped_ && !pending_.empty()) handle_line(pending_, last_feed_, true);
    pending_.clear();
    pending_.shrink_to_fit();
    if (!m_.error && !m_.done) m_.error = "stream ended before the final object";
    if (gaps_ > 0) m_.mean_gap_seconds = gap_sum_ / static_cast<double>(gaps_);
  }
  return m_;
}

Measurement measure_response(std::string_view body) {
  Measurement m;
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  const json::value v = json::parse(body, ec, {}, options);
  if (ec) {
    m.error = "malformed response: " + ec.message() + ": " + snippet(body);
  } else if (!v.is_object()) {
    m.error = std::string("malformed response: expected a JSON object, found ") + kind_name(v);
  } else {
    apply_object(m, v.get_object(), 1);
    if (!m.error && !m.done) m.error = "response has no \"done\":true";
  }
  return m;
}

}  // namespace llmon::bench
