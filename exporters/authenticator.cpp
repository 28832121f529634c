#include "exporters/authenticator.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>
#include <utility>

#include "exporters/basic_auth.hpp"

namespace llmon {

namespace {

// An unknown user is checked against a hash of the same cost as the configured ones, so the
// answer's timing does not tell which user names exist.
std::string make_dummy_hash(const Authenticator::Users& users) {
  std::string cost = "10";
  if (!users.empty()) cost = users.begin()->second.substr(4, 2);
  return "$2b$" + cost + "$" + std::string("abcdefghijklmnopqrstuu") + std::string(31, 'a');
}

std::string random_salt() {
  std::random_device device;  // getrandom() on Linux
  std::string salt(16, '\0');
  for (char& c : salt) c = static_cast<char>(device());
  return salt;
}

}  // namespace

Authenticator::Authenticator(Users users, boost::asio::any_io_executor verify_on, Options options)
    : users_(std::move(users)),
      options_(options),
      dummy_hash_(make_dummy_hash(users_)),
      salt_(random_salt()),
      verify_on_(std::move(verify_on)) {}

Sha256Digest Authenticator::cache_key(const std::string& user, const std::string& password,
                                      const std::string& hash) const {
  Sha256 h;
  h.update(salt_);
  h.update(user);
  h.update(std::string_view("\0", 1));
  h.update(password);
  h.update(std::string_view("\0", 1));
  h.update(hash);
  return h.finish();
}

bool Authenticator::cache_hit(const Sha256Digest& key) {
  const auto now = std::chrono::steady_clock::now();
  const std::string_view wanted(reinterpret_cast<const char*>(key.data()), key.size());
  std::lock_guard lock(mutex_);
  std::erase_if(cache_,
                [&](const CacheEntry& e) { return now - e.last_used > options_.cache_ttl; });
  bool hit = false;
  for (CacheEntry& e : cache_) {
    const std::string_view have(reinterpret_cast<const char*>(e.key.data()), e.key.size());
    if (constant_time_equals(have, wanted)) {
      e.last_used = now;
      hit = true;
    }
  }
  return hit;
}

void Authenticator::cache_store(const Sha256Digest& key) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  for (CacheEntry& e : cache_) {
    if (e.key == key) {
      e.last_used = now;
      return;
    }
  }
  if (cache_.size() >= options_.cache_entries) {
    auto oldest = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.last_used < b.last_used;
    });
    *oldest = CacheEntry{key, now};
    return;
  }
  cache_.push_back(CacheEntry{key, now});
}

std::optional<AuthVerdict> Authenticator::check_cached(std::string_view authorization) {
  auto credentials = parse_basic_authorization(authorization);
  if (!credentials) return AuthVerdict::kDenied;
  const auto user = users_.find(credentials->user);
  if (user == users_.end()) return std::nullopt;  // still costs a bcrypt, see make_dummy_hash
  if (cache_hit(cache_key(credentials->user, credentials->password, user->second))) {
    return AuthVerdict::kAllowed;
  }
  return std::nullopt;
}

AuthVerdict Authenticator::run_bcrypt(const std::string& authorization) {
  auto credentials = parse_basic_authorization(authorization);
  if (!credentials) return AuthVerdict::kDenied;
  const auto user = users_.find(credentials->user);
  const std::string& hash = user != users_.end() ? user->second : dummy_hash_;
  // The same credentials may have been verified while this one waited (a client retrying).
  if (user != users_.end() &&
      cache_hit(cache_key(credentials->user, credentials->password, hash))) {
    return AuthVerdict::kAllowed;
  }
  const bool match = bcrypt_matches(credentials->password, hash);
  {
    std::lock_guard lock(mutex_);
    ++bcrypt_runs_;
  }
  if (!match || user == users_.end()) return AuthVerdict::kDenied;
  cache_store(cache_key(credentials->user, credentials->password, hash));
  return AuthVerdict::kAllowed;
}

bool Authenticator::verify(std::string_view authorization, std::function<void(AuthVerdict)> done) {
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    if (waiting_ >= options_.max_waiting) return false;
    start = waiting_++ == 0;
    queue_.push_back({std::string(authorization), std::move(done)});
  }
  if (start) boost::asio::post(verify_on_, [self = shared_from_this()] { self->verify_next(); });
  return true;
}

// One verification per task on the pool, so collectors waiting there get their turn in between.
void Authenticator::verify_next() {
  Pending next;
  {
    std::lock_guard lock(mutex_);
    next = std::move(queue_.front());
    queue_.pop_front();
  }
  const AuthVerdict verdict = run_bcrypt(next.authorization);
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    more = --waiting_ > 0;
  }
  if (more) boost::asio::post(verify_on_, [self = shared_from_this()] { self->verify_next(); });
  next.done(verdict);
}

std::uint64_t Authenticator::bcrypt_runs() const {
  std::lock_guard lock(mutex_);
  return bcrypt_runs_;
}

}  // namespace llmon
