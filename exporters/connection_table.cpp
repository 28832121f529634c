#include "exporters/connection_table.hpp"

#include <algorithm>
#include <cstring>

namespace llmon {

ClientKey ClientKey::from(const boost::asio::ip::address& address) {
  ClientKey key;
  if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
    const auto bytes = address.to_v6().to_bytes();
    std::copy_n(bytes.begin(), 8, key.bytes.begin());  // the /64 prefix
    key.bytes[15] = 6;
    return key;
  }
  const auto v4 = address.is_v4() ? address.to_v4()
                                  : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                                                     address.to_v6());
  const auto bytes = v4.to_bytes();
  std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
  key.bytes[15] = 4;
  return key;
}

bool ConnectionSlot::reclaimable(SteadyTime now) const {
  switch (kind_.load(std::memory_order_relaxed)) {
    case kOpening:
    case kIdle:
      return true;
    case kWriting:
      return since_.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
    default:
      return false;
  }
}

std::size_t ConnectionTable::KeyHash::operator()(const ClientKey& k) const {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, k.bytes.data(), 8);
  std::memcpy(&b, k.bytes.data() + 8, 8);
  return std::hash<std::uint64_t>{}(a * 0x9E3779B97F4A7C15ULL ^ b);
}

ConnectionTable::ConnectionTable(std::size_t max_connections, std::size_t max_per_client)
    : max_connections_(std::max<std::size_t>(1, max_connections)),
      max_per_client_(std::max<std::size_t>(1, max_per_client)) {}

void ConnectionTable::set_caps(std::size_t max_connections, std::size_t max_per_client) {
  std::lock_guard lock(mutex_);
  max_connections_ = std::max<std::size_t>(1, max_connections);
  max_per_client_ = std::max<std::size_t>(1, max_per_client);
}

void ConnectionTable::count(const ClientKey& client, int delta) {
  auto it = live_per_client_.find(client);
  if (delta > 0) {
    if (it == live_per_client_.end()) it = live_per_client_.emplace(client, 0).first;
    ++it->second;
    ++live_;
    return;
  }
  if (it != live_per_client_.end() && --it->second == 0) live_per_client_.erase(it);
  --live_;
}

ConnectionSlot* ConnectionTable::pick_victim(const ClientKey* only, SteadyTime now) const {
  // The client holding the most connections gives one up first, its longest-reclaimable one;
  // so a client with a connection or two (Prometheus) keeps them while a flood has more.
  ConnectionSlot* best = nullptr;
  std::size_t best_load = 0;
  SteadyTime::rep best_since = 0;
  for (const auto& [slot, entry] : entries_) {
    if (slot->reclaimed_.load(std::memory_order_relaxed) || !slot->reclaimable(now)) continue;
    if (only != nullptr && !(slot->client_ == *only)) continue;
    const auto found = live_per_client_.find(slot->client_);
    const std::size_t load = found == live_per_client_.end() ? 0 : found->second;
    const SteadyTime::rep since = slot->since_.load(std::memory_order_relaxed);
    if (best == nullptr || load > best_load || (load == best_load && since < best_since)) {
      best = slot;
      best_load = load;
      best_since = since;
    }
  }
  return best;
}

ConnectionTable::Admission ConnectionTable::admit(ConnectionSlot& slot, const ClientKey& client,
                                                  std::weak_ptr<TrackedConnection> owner,
                                                  SteadyTime now) {
  Admission result;
  std::lock_guard lock(mutex_);
  if (stopping_) return result;
  const auto found = live_per_client_.find(client);
  const std::size_t client_live = found == live_per_client_.end() ? 0 : found->second;
  ConnectionSlot* victim = nullptr;
  if (client_live >= max_per_client_) {
    result.client_cap = true;
    victim = pick_victim(&client, now);
  } else if (live_ >= max_connections_) {
    victim = pick_victim(nullptr, now);
  }
  const bool capped = result.client_cap || live_ >= max_connections_;
  // Reclaimed connections close within a moment, but until they have, they still hold a
  // descriptor: this bound keeps the total finite even if many are slow to go.
  const std::size_t hard_cap = max_connections_ + std::max<std::size_t>(8, max_connections_ / 4);
  if ((capped && victim == nullptr) || entries_.size() >= hard_cap) {
    ++refused_total_;
    result.verdict = Verdict::kRefusedCap;
    return result;
  }
  if (victim != nullptr) {
    victim->reclaimed_.store(true, std::memory_order_release);
    count(victim->client_, -1);
    ++reclaimed_total_;
    result.reclaim = entries_.at(victim).owner.lock();
  }
  slot.client_ = client;
  entries_.emplace(&slot, Entry{std::move(owner)});
  count(client, +1);
  result.verdict = Verdict::kAdmitted;
  return result;
}

std::vector<std::function<void()>> ConnectionTable::remove(ConnectionSlot& slot) {
  std::vector<std::function<void()>> waiters;
  std::lock_guard lock(mutex_);
  if (entries_.erase(&slot) == 0) return waiters;
  if (!slot.reclaimed_.load(std::memory_order_relaxed)) count(slot.client_, -1);
  if (entries_.empty()) waiters.swap(idle_waiters_);
  return waiters;
}

std::vector<std::shared_ptr<TrackedConnection>> ConnectionTable::stop() {
  std::vector<std::shared_ptr<TrackedConnection>> live;
  std::lock_guard lock(mutex_);
  stopping_.store(true, std::memory_order_release);
  for (auto& [slot, entry] : entries_) {
    if (auto owner = entry.owner.lock()) live.push_back(std::move(owner));
  }
  return live;
}

bool ConnectionTable::stopping() const { return stopping_.load(std::memory_order_acquire); }

bool ConnectionTable::wait_idle(std::function<void()>& waiter) {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return false;
  idle_waiters_.push_back(std::move(waiter));
  return true;
}

bool ConnectionTable::under_pressure(const ConnectionSlot& slot) const {
  std::lock_guard lock(mutex_);
  const auto found = live_per_client_.find(slot.client_);
  const std::size_t client_live = found == live_per_client_.end() ? 0 : found->second;
  return live_ * 4 >= max_connections_ * 3 || client_live * 4 >= max_per_client_ * 3;
}

std::size_t ConnectionTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t ConnectionTable::reclaimed_total() const {
  std::lock_guard lock(mutex_);
  return reclaimed_total_;
}

std::uint64_t ConnectionTable::refused_total() const {
  std::lock_guard lock(mutex_);
  return refused_total_;
}

}  // namespace llmon
