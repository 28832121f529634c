#pragma once
// Authenticator: decides whether a request's basic-auth credentials match [web.basic_auth.users].
// bcrypt costs milliseconds by design, so it never runs on the network thread: a verification
// runs on the given executor (the worker pool), one at a time, with few waiting; successful
// credentials are then cached, keyed by a salted SHA-256 of user, password and hash (so no
// password is kept), until unused for `cache_ttl`. Like Prometheus' exporter-toolkit, an unknown
// user costs the same bcrypt as a known one. Immutable users; a reload makes a new object.
// Thread-safe.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/sha256.hpp"

namespace llmon {

enum class AuthVerdict {
  kAllowed,
  kDenied,  // answered 401
  kBusy,    // too many verifications waiting: answered 503
};

class Authenticator : public std::enable_shared_from_this<Authenticator> {
 public:
  using Users = std::map<std::string, std::string>;  // name -> bcrypt hash (validated)
  struct Options {
    std::chrono::milliseconds cache_ttl{std::chrono::minutes(5)};
    std::size_t cache_entries = 64;
    std::size_t max_waiting = 4;  // verifications queued or running beyond which kBusy
  };

  Authenticator(Users users, boost::asio::any_io_executor verify_on, Options options);
  Authenticator(Users users, boost::asio::any_io_executor verify_on)
      : Authenticator(std::move(users), std::move(verify_on), Options{}) {}

  // What can be decided at once from an Authorization header value (empty when absent): no or
  // malformed credentials are denied, cached ones allowed. nullopt: call verify().
  std::optional<AuthVerdict> check_cached(std::string_view authorization);
  // Runs bcrypt off the calling thread and calls `done` on the verify executor; or, when too
  // many verifications are waiting, returns false without calling `done`.
  bool verify(std::string_view authorization, std::function<void(AuthVerdict)> done);

  std::size_t user_count() const { return users_.size(); }
  std::uint64_t bcrypt_runs() const;  // for tests: how often bcrypt really ran

 private:
  struct CacheEntry {
    Sha256Digest key;
    std::chrono::steady_clock::time_point last_used;
  };
  Sha256Digest cache_key(const std::string& user, const std::string& password,
                         const std::string& hash) const;
  bool cache_hit(const Sha256Digest& key);
  void cache_store(const Sha256Digest& key);
  AuthVerdict run_bcrypt(const std::string& authorization);
  void verify_next();

  const Users users_;
  const Options options_;
  const std::string dummy_hash_;  // verified against for unknown users
  std::string salt_;
  // One verification at a time, as a strand would, but without one: a strand's state lives in
  // the pool's strand service, and at exit this object can outlive the pool (a handler still
  // pending on the network loop holds the server, which holds this); destroying a strand then
  // was a use-after-free (ASan, e2e test_tls). An executor alone refers to nothing it frees.
  struct Pending {
    std::string authorization;
    std::function<void(AuthVerdict)> done;
  };
  boost::asio::any_io_executor verify_on_;
  mutable std::mutex mutex_;
  std::vector<CacheEntry> cache_;
  std::deque<Pending> queue_;  // waiting, in arrival order
  // Queued or running; a verify_next() is posted or running exactly while this is not 0.
  std::size_t waiting_ = 0;
  std::uint64_t bcrypt_runs_ = 0;
};

}  // namespace llmon
