#include "collectors/bench/baseline.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>

#include "common/fs.hpp"
#include "common/number_format.hpp"

namespace llmon::bench {

namespace json = boost::json;

namespace {

constexpr std::int64_t kFormatVersion = 1;

// 12 significant digits, as the file keeps them. Boost.JSON 1.81 does not read long decimal
// mantissas to the nearest double (4.1844674407370955e21 comes back as 4.184467440737095e21), so
// full-precision values would drift on every restart. A 12-digit value is written in at most 12
// digits, and should the parser still miss it by an ulp, rounding again on load undoes that.
double to_file_precision(double v) {
  std::array<char, 32> text{};
  const auto written =
      std::to_chars(text.data(), text.data() + text.size(), v, std::chars_format::general, 12);
  double out = v;
  std::from_chars(text.data(), written.ptr, out);
  return out;
}

struct LoadedEntry {
  BaselineKey key;
  std::vector<double> values;
};

// The file's entries in file order, or what is wrong with the document.
Expected<std::vector<LoadedEntry>> parse_file(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 16;
  const json::value doc = json::parse(text, ec, {}, options);
  if (ec) return make_error("invalid JSON: " + ec.message());
  if (!doc.is_object()) return make_error("expected a JSON object");
  const json::object& root = doc.get_object();
  const json::value* version = root.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != kFormatVersion) {
    return make_error("expected \"version\": " + std::to_string(kFormatVersion));
  }
  const json::value* list = root.if_contains("baselines");
  if (list == nullptr || !list->is_array()) return make_error("expected a \"baselines\" array");

  std::vector<LoadedEntry> out;
  std::size_t i = 0;
  for (const json::value& element : list->get_array()) {
    const std::string where = "baselines[" + std::to_string(i++) + "]";
    if (!element.is_object()) return make_error(where + ": expected an object");
    const json::object& o = element.get_object();
    LoadedEntry e;
    for (auto [name, field] : {std::pair{"ollama", &e.key.ollama}, std::pair{"model", &e.key.model},
                               std::pair{"prompt", &e.key.prompt}}) {
      const json::value* v = o.if_contains(name);
      if (v == nullptr || !v->is_string()) {
        return make_error(where + "." + name + ": expected a string");
      }
      *field = std::string(v->get_string());
    }
    const json::value* values = o.if_contains("values");
    if (values == nullptr || !values->is_array()) {
      return make_error(where + ".values: expected an array");
    }
    for (const json::value& v : values->get_array()) {
      if (!v.is_number()) return make_error(where + ".values: expected numbers");
      const double d = v.to_number<double>();
      if (!std::isfinite(d) || d < 0) return make_error(where + ".values: out-of-range value");
      e.values.push_back(d);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string errno_text(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Writes `content` to `file` through a temporary sibling and rename(). The directory must
// exist: it is the deployment's (systemd's StateDirectory=), with the owner and mode it chose.
Expected<bool> write_atomically(const std::filesystem::path& file, std::string_view content) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";

  std::string tmp = (dir / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return make_error(dir.string() + ": the state directory does not exist");
    }
    return make_error(errno_text(tmp, err));
  }
  auto fail = [&](const std::string& what) -> Expected<bool> {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(errno_text(what, err));
  };
  // mkostemp creates 0600; the baselines are not secret and operators want to read them.
  if (::fchmod(fd, 0644) != 0) return fail(tmp);
  if (!write_all(fd, content)) return fail(tmp + ": write");
  if (::fsync(fd) != 0) return fail(tmp + ": fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(errno_text(tmp + ": close", err));
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(errno_text("rename to " + file.string(), err));
  }
  // Makes the rename itself durable; failure here loses nothing already written, so ignore it.
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

BaselineStore::BaselineStore(std::filesystem::path file, std::size_t window, std::size_t max_keys)
    : file_(std::move(file)),
      window_(std::max<std::size_t>(window, 1)),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void BaselineStore::add_locked(const BaselineKey& key, double value) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      entries_.erase(
          std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
            return a.second.last_recorded < b.second.last_recorded;
          }));
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  e.values.push_back(to_file_precision(value));
  while (e.values.size() > window_) e.values.pop_front();
  e.last_recorded = ++clock_;
}

std::optional<std::string> BaselineStore::load() {
  const ReadResult read = read_file(file_, kMaxFileBytes);
  std::optional<std::string> warning;
  if (read.ok()) {
    if (auto error = load_text(read.content)) {
      warning = "baseline file " + file_.string() + ": " + *error;
    }
  } else {
    std::lock_guard lock(mutex_);
    entries_.clear();
    clock_ = 0;
    saved_clock_ = 0;
    if (read.status != ReadStatus::kNotFound) warning = "baseline file " + read.error;
  }
  if (warning) *warning += "; starting with empty baselines";
  return warning;
}

std::optional<std::string> BaselineStore::load_text(std::string_view text) {
  auto parsed = parse_file(text);
  std::lock_guard lock(mutex_);
  entries_.clear();
  clock_ = 0;
  saved_clock_ = 0;
  if (!parsed) return parsed.error().message;
  // The file lists keys least recently recorded first, so replaying it restores the eviction
  // order; values beyond the (possibly smaller) window drop the oldest. Only the newest
  // max_keys_ entries are replayed: evicting one by one would be quadratic.
  const auto& entries = *parsed;
  const std::size_t skip = entries.size() > max_keys_ ? entries.size() - max_keys_ : 0;
  for (std::size_t i = skip; i < entries.size(); ++i) {
    for (double v : entries[i].values) add_locked(entries[i].key, v);
  }
  saved_clock_ = clock_;  // what the file holds needs no saving
  return std::nullopt;
}

void BaselineStore::record(const BaselineKey& key, double eval_tps) {
  if (!std::isfinite(eval_tps) || eval_tps < 0) return;
  std::lock_guard lock(mutex_);
  add_locked(key, eval_tps);
}

std::optional<double> BaselineStore::median(const BaselineKey& key) const {
  std::vector<double> v = values(key);
  if (v.empty()) return std::nullopt;
  return bench::median(std::move(v));
}

std::vector<double> BaselineStore::values(const BaselineKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  return {it->second.values.begin(), it->second.values.end()};
}

std::size_t BaselineStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool BaselineStore::dirty() const {
  std::lock_guard lock(mutex_);
  return clock_ != saved_clock_;
}

Expected<bool> BaselineStore::save() {
  std::lock_guard save_lock(save_mutex_);
  const Snapshot snapshot = take_snapshot();
  auto written = write_atomically(file_, snapshot.text);
  if (written) {
    std::lock_guard lock(mutex_);
    saved_clock_ = std::max(saved_clock_, snapshot.clock);
  }
  return written;
}

std::string BaselineStore::render() const { return take_snapshot().text; }

BaselineStore::Snapshot BaselineStore::take_snapshot() const {
  std::vector<std::pair<std::uint64_t, std::string>> lines;
  Snapshot out;
  {
    std::lock_guard lock(mutex_);
    out.clock = clock_;
    lines.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
      json::array values;
      for (double v : entry.values) values.emplace_back(v);
      const json::object o{{"ollama", key.ollama},
                           {"model", key.model},
                           {"prompt", key.prompt},
                           {"values", std::move(values)}};
      lines.emplace_back(entry.last_recorded, json_text(o));
    }
  }
  std::sort(lines.begin(), lines.end());
  // One entry per line: small diffs, and readable with less or grep.
  std::string content = "{\"version\":" + std::to_string(kFormatVersion) + ",\"baselines\":[";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    content += (i == 0 ? "\n" : ",\n") + lines[i].second;
  }
  content += "\n]}\n";
  out.text = std::move(content);
  return out;
}

double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return std::midpoint(lower, upper);
}

double spread(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double m = median(values);
  for (double& v : values) v = std::abs(v - m);
  return median(std::move(values));
}

}  // namespace llmon::bench
