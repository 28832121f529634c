// Authenticator: bcrypt off the calling thread, a cache of successes only, bounded waiting.
#include <doctest/doctest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <memory>
#include <thread>

#include "exporters/authenticator.hpp"

namespace llmon {
namespace {

using namespace std::chrono_literals;

// "U*U" (Solar Designer's test vector), cost 5 so the tests stay fast.
const std::string kHash = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
const std::string kGood = "Basic cHJvbWV0aGV1czpVKlU=";   // prometheus:U*U
const std::string kWrong = "Basic cHJvbWV0aGV1czpVKlUq";  // prometheus:U*U*
const std::string kUnknown = "Basic bWFsbG9yeTpVKlU=";    // mallory:U*U

struct Verified {
  AuthVerdict verdict;
  std::thread::id thread;
};

Verified verify(Authenticator& auth, const std::string& header) {
  std::promise<Verified> done;
  REQUIRE(auth.verify(header, [&](AuthVerdict v) {
    done.set_value({v, std::this_thread::get_id()});
  }));
  auto f = done.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

TEST_CASE("auth: good credentials are verified off the caller's thread, then cached") {
  boost::asio::thread_pool pool(1);
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool.get_executor());
  CHECK(auth->check_cached(kGood) == std::nullopt);  // not known yet: needs bcrypt
  const Verified v = verify(*auth, kGood);
  CHECK(v.verdict == AuthVerdict::kAllowed);
  CHECK(v.thread != std::this_thread::get_id());
  CHECK(auth->check_cached(kGood) == AuthVerdict::kAllowed);
  CHECK(auth->check_cached(kGood) == AuthVerdict::kAllowed);
  CHECK(auth->bcrypt_runs() == 1);
  pool.join();
}

TEST_CASE("auth: wrong passwords and unknown users are denied, never cached, and cost a bcrypt") {
  boost::asio::thread_pool pool(1);
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool.get_executor());
  CHECK(verify(*auth, kWrong).verdict == AuthVerdict::kDenied);
  CHECK(auth->check_cached(kWrong) == std::nullopt);
  CHECK(verify(*auth, kUnknown).verdict == AuthVerdict::kDenied);
  CHECK(auth->check_cached(kUnknown) == std::nullopt);
  CHECK(auth->bcrypt_runs() == 2);  // the unknown user too: its timing tells nothing
  // A cached success does not open the door to a different password.
  CHECK(verify(*auth, kGood).verdict == AuthVerdict::kAllowed);
  CHECK(auth->check_cached(kWrong) == std::nullopt);
  pool.join();
}

TEST_CASE("auth: absent or malformed credentials are denied at once") {
  boost::asio::thread_pool pool(1);
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool.get_executor());
  CHECK(auth->check_cached("") == AuthVerdict::kDenied);
  CHECK(auth->check_cached("Bearer abc") == AuthVerdict::kDenied);
  CHECK(auth->check_cached("Basic !!!!") == AuthVerdict::kDenied);
  CHECK(auth->bcrypt_runs() == 0);
  pool.join();
}

TEST_CASE("auth: cached credentials expire when unused") {
  boost::asio::thread_pool pool(1);
  Authenticator::Options options;
  options.cache_ttl = 100ms;
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool.get_executor(), options);
  REQUIRE(verify(*auth, kGood).verdict == AuthVerdict::kAllowed);
  CHECK(auth->check_cached(kGood) == AuthVerdict::kAllowed);
  std::this_thread::sleep_for(250ms);
  CHECK(auth->check_cached(kGood) == std::nullopt);
  pool.join();
}

TEST_CASE("auth: beyond max_waiting verifications, verify() refuses instead of queueing") {
  boost::asio::thread_pool pool(1);
  Authenticator::Options options;
  options.max_waiting = 2;
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool.get_executor(), options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  boost::asio::post(pool, [released] { released.wait(); });  // the pool is busy
  std::atomic<int> finished{0};
  CHECK(auth->verify(kWrong, [&](AuthVerdict) { ++finished; }));
  CHECK(auth->verify(kWrong, [&](AuthVerdict) { ++finished; }));
  CHECK_FALSE(auth->verify(kWrong, [&](AuthVerdict) { ++finished; }));
  release.set_value();
  pool.join();
  CHECK(finished == 2);
}

TEST_CASE("auth: an authenticator may outlive its pool (the daemon's exit order)") {
  // At exit a handler still pending on the network loop can hold the last reference to the
  // server, and so to this, after the pool is gone. With a strand on the pool that was a
  // use-after-free: the ASan suite reports it here (and in e2e test_tls).
  auto pool = std::make_unique<boost::asio::thread_pool>(1);
  auto auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                              pool->get_executor());
  REQUIRE(verify(*auth, kGood).verdict == AuthVerdict::kAllowed);
  pool->stop();
  pool->join();
  bool called = false;
  CHECK(auth->verify(kWrong, [&](AuthVerdict) { called = true; }));  // queued, never run
  pool.reset();
  CHECK_FALSE(called);
  CHECK(auth->check_cached(kGood) == AuthVerdict::kAllowed);
  auth.reset();
}

}  // namespace
}  // namespace llmon
