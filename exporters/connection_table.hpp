#pragma once
// ConnectionTable: the open connections of one HTTP server, counted per client, and the policy
// that picks which connection makes room for a new one when a cap is reached. Thread-safe.
//
// The policy, so that one client (or a few) holding connections cannot lock Prometheus out:
// - a new connection beyond the per-client cap replaces that client's own most reclaimable
//   connection; beyond the total cap, the most reclaimable connection of the client holding the
//   most connections;
// - reclaimable means idle between requests, or still in its TLS handshake or request head
//   (counted from `reclaim_after` after it opened), oldest first; or stalled in a response write
//   for `stalled_write_after`. A connection whose request is being answered and making progress
//   is never reclaimed, so a flood cannot cut a scrape off mid-response;
// - only when nothing is reclaimable is the new connection refused.
// Taking unfinished connections oldest first, rather than only once they are old, means a flood
// of fresh connections cannot fill every slot with ones too young to take: a new connection
// lives until `cap` newer ones came, far longer than it takes to send a request.
#include <array>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace llmon {

using SteadyTime = std::chrono::steady_clock::time_point;

// A client as the caps count it: an IPv4 address, or the /64 prefix of an IPv6 address (one host
// rotates privacy addresses within its /64). IPv4-mapped IPv6 addresses count as IPv4.
struct ClientKey {
  std::array<unsigned char, 16> bytes{};
  static ClientKey from(const boost::asio::ip::address& address);
  bool operator==(const ClientKey&) const = default;
};

// What one connection is doing, as far as the caps care. The connection updates it from its
// strand; the table reads it under its lock.
class ConnectionSlot {
 public:
  // In its TLS handshake or request head; counts as reclaimable from `since` on (the table
  // takes such connections oldest first, so a fresh one is only taken once `cap` newer ones
  // came, and after older unfinished or idle ones).
  void set_opening(SteadyTime since) { set(kOpening, since); }
  // Between requests, since `since`.
  void set_idle(SteadyTime since) { set(kIdle, since); }
  // Sending a response; only reclaimable from `stalled_from` on, if it makes no progress.
  void set_writing(SteadyTime stalled_from) { set(kWriting, stalled_from); }
  // A request is being handled: never reclaimed.
  void set_busy() { set(kBusy, SteadyTime::max()); }

  // Set once the table picked this connection to make room: it must close as soon as it is
  // not in the middle of a response.
  bool reclaimed() const { return reclaimed_.load(std::memory_order_acquire); }
  // Whether the table may take it at `now` (see the setters).
  bool reclaimable(SteadyTime now) const;

 private:
  friend class ConnectionTable;
  enum Kind : int { kOpening, kIdle, kWriting, kBusy };
  void set(Kind kind, SteadyTime when) {
    kind_.store(kind, std::memory_order_relaxed);
    since_.store(when.time_since_epoch().count(), std::memory_order_relaxed);
  }
  std::atomic<int> kind_{kOpening};
  std::atomic<SteadyTime::rep> since_{0};
  std::atomic<bool> reclaimed_{false};
  ClientKey client_;
};

// The side of a connection the table drives.
class TrackedConnection {
 public:
  // Close now if still reclaimable, else right after the response being sent. Thread-safe.
  virtual void reclaim() = 0;
  // The server is stopping: close when idle, or after the current response. Thread-safe.
  virtual void request_stop() = 0;

 protected:
  ~TrackedConnection() = default;
};

class ConnectionTable {
 public:
  ConnectionTable(std::size_t max_connections, std::size_t max_per_client);
  // New caps (a reload); connections beyond them are reclaimed as new ones arrive.
  void set_caps(std::size_t max_connections, std::size_t max_per_client);

  enum class Verdict { kAdmitted, kRefusedCap, kRefusedStopping };
  struct Admission {
    Verdict verdict = Verdict::kRefusedStopping;
    // The connection that must make room (call reclaim() on it, outside any lock); may be null.
    std::shared_ptr<TrackedConnection> reclaim;
    bool client_cap = false;  // the per-client cap (not the total one) was reached
  };

  // Registers `slot` (owned by `owner`, which must call remove() before the slot dies).
  Admission admit(ConnectionSlot& slot, const ClientKey& client,
                  std::weak_ptr<TrackedConnection> owner, SteadyTime now);
  // Returns the idle waiters to run when this was the last connection.
  std::vector<std::function<void()>> remove(ConnectionSlot& slot);
  // Refuses every later admission; returns the open connections, to be asked to stop.
  std::vector<std::shared_ptr<TrackedConnection>> stop();
  bool stopping() const;
  // Keeps `waiter` for when the table is empty; false (waiter not kept) if it already is.
  bool wait_idle(std::function<void()>& waiter);

  // 3/4 of the total cap, or of the per-client cap for this slot's client, is in use.
  bool under_pressure(const ConnectionSlot& slot) const;
  std::size_t size() const;  // open connections, including those being reclaimed
  std::uint64_t reclaimed_total() const;
  std::uint64_t refused_total() const;

 private:
  struct KeyHash {
    std::size_t operator()(const ClientKey& k) const;
  };
  struct Entry {
    std::weak_ptr<TrackedConnection> owner;
  };
  ConnectionSlot* pick_victim(const ClientKey* only, SteadyTime now) const;
  void count(const ClientKey& client, int delta);

  mutable std::mutex mutex_;
  std::size_t max_connections_;
  std::size_t max_per_client_;
  std::atomic<bool> stopping_{false};  // written under mutex_, read without it
  std::size_t live_ = 0;               // registered and not reclaimed
  std::unordered_map<ConnectionSlot*, Entry> entries_;
  std::unordered_map<ClientKey, std::size_t, KeyHash> live_per_client_;
  std::vector<std::function<void()>> idle_waiters_;
  std::uint64_t reclaimed_total_ = 0;
  std::uint64_t refused_total_ = 0;
};

}  // namespace llmon
