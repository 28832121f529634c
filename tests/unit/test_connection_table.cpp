// ConnectionTable: which connection makes room when a cap is reached (no sockets, fixed times).
#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>
#include <list>
#include <memory>

#include "exporters/connection_table.hpp"

namespace llmon {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{std::chrono::hours(1)};

ClientKey client(const char* address) {
  return ClientKey::from(boost::asio::ip::make_address(address));
}

struct FakeConnection final : TrackedConnection {
  ConnectionSlot slot;
  int reclaims = 0;
  int stops = 0;
  void reclaim() override { ++reclaims; }
  void request_stop() override { ++stops; }
};

// Owns fake connections and removes them from the table as a real connection does on closing.
struct Harness {
  ConnectionTable table;
  std::list<std::shared_ptr<FakeConnection>> open;

  Harness(std::size_t max, std::size_t per_client) : table(max, per_client) {}
  ~Harness() {
    for (auto& c : open) table.remove(c->slot);
  }

  // A connection from `from` opening at `now` (unfinished: counted from 1 s later).
  std::pair<std::shared_ptr<FakeConnection>, ConnectionTable::Admission> connect(const char* from,
                                                                                 SteadyTime now) {
    auto c = std::make_shared<FakeConnection>();
    c->slot.set_opening(now + 1s);
    auto admission = table.admit(c->slot, client(from), c, now);
    if (admission.verdict == ConnectionTable::Verdict::kAdmitted) open.push_back(c);
    return {c, admission};
  }
  void close(const std::shared_ptr<FakeConnection>& c) {
    table.remove(c->slot);
    open.remove(c);
  }
};

TEST_CASE("connections: a client key is an IPv4 address or an IPv6 /64") {
  CHECK(client("192.0.2.1") == client("::ffff:192.0.2.1"));
  CHECK_FALSE(client("192.0.2.1") == client("192.0.2.2"));
  CHECK(client("2001:db8:1:2::1") == client("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
  CHECK_FALSE(client("2001:db8:1:2::1") == client("2001:db8:1:3::1"));
  CHECK_FALSE(client("0.0.0.0") == client("::"));
}

TEST_CASE("connections: below the caps every connection is admitted and nothing reclaimed") {
  Harness h(4, 4);
  for (int i = 0; i < 4; ++i) {
    auto [c, admission] = h.connect("10.0.0.1", t0);
    CHECK(admission.verdict == ConnectionTable::Verdict::kAdmitted);
    CHECK(admission.reclaim == nullptr);
  }
  CHECK(h.table.size() == 4);
  CHECK(h.table.reclaimed_total() == 0);
}

TEST_CASE("connections: at the cap, the longest-idle connection makes room") {
  Harness h(3, 3);
  auto [a, _a] = h.connect("10.0.0.1", t0);
  auto [b, _b] = h.connect("10.0.0.1", t0);
  auto [c, _c] = h.connect("10.0.0.1", t0);
  a->slot.set_idle(t0 + 20ms);
  b->slot.set_idle(t0 + 10ms);  // idle longest
  c->slot.set_busy();           // answering a request
  auto [d, admission] = h.connect("10.0.0.1", t0 + 50ms);
  REQUIRE(admission.verdict == ConnectionTable::Verdict::kAdmitted);
  CHECK(admission.reclaim == b);
  CHECK(b->slot.reclaimed());
  CHECK_FALSE(a->slot.reclaimed());
  CHECK(h.table.reclaimed_total() == 1);
  // Until b has closed it still holds its descriptor: 4 open, 3 counted.
  CHECK(h.table.size() == 4);
  h.close(b);
  CHECK(h.table.size() == 3);
}

TEST_CASE(
    "connections: a request being answered is never reclaimed, and only then is a newcomer "
    "refused") {
  Harness h(2, 2);
  auto [a, _a] = h.connect("10.0.0.1", t0);
  auto [b, _b] = h.connect("10.0.0.1", t0);
  a->slot.set_busy();
  b->slot.set_busy();
  auto [c, admission] = h.connect("10.0.0.1", t0 + 1h);
  CHECK(admission.verdict == ConnectionTable::Verdict::kRefusedCap);
  CHECK(admission.reclaim == nullptr);
  CHECK(h.table.refused_total() == 1);
  CHECK_FALSE(a->slot.reclaimed());
  CHECK_FALSE(b->slot.reclaimed());
}

TEST_CASE("connections: unfinished connections go oldest first, counted from 1 s after opening") {
  Harness h(2, 2);
  auto [slow, _s] = h.connect("10.0.0.1", t0);  // never completes its request head
  auto [idle, _i] = h.connect("10.0.0.1", t0);
  idle->slot.set_idle(t0 + 500ms);
  // Before slow's second is up, the idle connection goes first...
  auto [c1, a1] = h.connect("10.0.0.1", t0 + 600ms);
  CHECK(a1.reclaim == idle);
  // ...then the oldest unfinished one, even while it is young: a flood of fresh connections
  // cannot make every slot untakeable.
  auto [c2, a2] = h.connect("10.0.0.1", t0 + 700ms);
  CHECK(a2.reclaim == slow);
  auto [c3, a3] = h.connect("10.0.0.1", t0 + 800ms);
  CHECK(a3.reclaim == c1);
  CHECK(a3.verdict == ConnectionTable::Verdict::kAdmitted);
}

TEST_CASE("connections: a response write is taken only once it has stalled") {
  Harness h(1, 1);
  auto [writer, _w] = h.connect("10.0.0.1", t0);
  writer->slot.set_writing(t0 + 5s);  // its last progress was at t0
  auto [early, refused] = h.connect("10.0.0.1", t0 + 4s);
  CHECK(refused.verdict == ConnectionTable::Verdict::kRefusedCap);
  auto [later, admitted] = h.connect("10.0.0.1", t0 + 5s);
  CHECK(admitted.verdict == ConnectionTable::Verdict::kAdmitted);
  CHECK(admitted.reclaim == writer);
}

TEST_CASE("connections: the client holding the most connections gives one up first") {
  Harness h(4, 4);
  auto [prom, _p] = h.connect("10.0.0.9", t0);  // Prometheus, idle longest
  prom->slot.set_idle(t0);
  std::vector<std::shared_ptr<FakeConnection>> flood;
  for (int i = 0; i < 3; ++i) {
    auto [c, _] = h.connect("10.0.0.66", t0);
    c->slot.set_idle(t0 + std::chrono::milliseconds(10 * (i + 1)));
    flood.push_back(c);
  }
  auto [next, admission] = h.connect("10.0.0.66", t0 + 1s);
  REQUIRE(admission.verdict == ConnectionTable::Verdict::kAdmitted);
  CHECK(admission.reclaim == flood[0]);  // the flood's own longest-idle, not Prometheus'
  CHECK_FALSE(prom->slot.reclaimed());
}

TEST_CASE("connections: the per-client cap takes from that client only") {
  Harness h(10, 2);
  auto [a1, _1] = h.connect("10.0.0.1", t0);
  auto [a2, _2] = h.connect("10.0.0.1", t0);
  auto [b1, _3] = h.connect("10.0.0.2", t0);
  b1->slot.set_idle(t0);  // idle longer than anything of A's
  a1->slot.set_idle(t0 + 5ms);
  a2->slot.set_busy();
  auto [a3, admission] = h.connect("10.0.0.1", t0 + 1s);
  REQUIRE(admission.verdict == ConnectionTable::Verdict::kAdmitted);
  CHECK(admission.client_cap);
  CHECK(admission.reclaim == a1);
  CHECK_FALSE(b1->slot.reclaimed());
  a3->slot.set_busy();
  // A now has a2 and a3 busy: its next connection is refused, while B still gets in.
  auto [a4, refused] = h.connect("10.0.0.1", t0 + 2s);
  CHECK(refused.verdict == ConnectionTable::Verdict::kRefusedCap);
  CHECK(refused.client_cap);
  auto [b2, fine] = h.connect("10.0.0.2", t0 + 2s);
  CHECK(fine.verdict == ConnectionTable::Verdict::kAdmitted);
  CHECK(fine.reclaim == nullptr);
}

TEST_CASE("connections: reclaimed connections do not count twice, and the hard bound holds") {
  Harness h(2, 2);
  std::vector<std::shared_ptr<FakeConnection>> reclaimed;
  // Each newcomer reclaims an idle one that never closes: the table keeps admitting up to the
  // hard bound (cap + 8), then refuses even though something is reclaimable.
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    auto [c, admission] = h.connect("10.0.0.1", t0 + std::chrono::seconds(i));
    if (admission.verdict != ConnectionTable::Verdict::kAdmitted) break;
    c->slot.set_idle(t0 + std::chrono::seconds(i));
    ++admitted;
  }
  CHECK(admitted == 2 + 8);
  CHECK(h.table.size() == 10);
  CHECK(h.table.reclaimed_total() == 8);
}

TEST_CASE("connections: pressure starts at 3/4 of either cap") {
  Harness h(8, 4);
  auto [a, _a] = h.connect("10.0.0.1", t0);
  auto [b, _b] = h.connect("10.0.0.1", t0);
  CHECK_FALSE(h.table.under_pressure(a->slot));
  auto [c, _c] = h.connect("10.0.0.1", t0);  // 3 of 4 from this client
  CHECK(h.table.under_pressure(a->slot));
  auto [d, _d] = h.connect("10.0.0.2", t0);
  CHECK_FALSE(h.table.under_pressure(d->slot));  // 4 of 8 in total
  auto [e, _e] = h.connect("10.0.0.3", t0);
  auto [f, _f] = h.connect("10.0.0.4", t0);  // 6 of 8
  CHECK(h.table.under_pressure(d->slot));
}

TEST_CASE("connections: stop() refuses newcomers and lists the open connections") {
  Harness h(4, 4);
  auto [a, _a] = h.connect("10.0.0.1", t0);
  auto live = h.table.stop();
  CHECK(live.size() == 1);
  CHECK(h.table.stopping());
  auto [b, admission] = h.connect("10.0.0.1", t0);
  CHECK(admission.verdict == ConnectionTable::Verdict::kRefusedStopping);
  std::function<void()> waiter = [] {};
  CHECK(h.table.wait_idle(waiter));
  CHECK(h.table.remove(a->slot).size() == 1);  // the last one out runs the waiter
  h.open.clear();
}

}  // namespace
}  // namespace llmon
