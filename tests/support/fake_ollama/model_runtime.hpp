#pragma once
// ModelRuntime: the run-time state of one scenario model inside the Scheduler (loaded or not,
// with which context, its queue and its timers). Private to scheduler*.cpp; not thread-safe, like
// the Scheduler that owns it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "scheduler.hpp"

namespace fake_ollama {

struct ModelRuntime {
  enum class State { kUnloaded, kLoading, kLoaded };

  ModelRuntime(boost::asio::io_context& ioc, std::shared_ptr<const Scenario> owner,
               const ModelSpec& m)
      : scenario(std::move(owner)), spec(&m), load_timer(ioc), expiry_timer(ioc) {}

  std::shared_ptr<const Scenario> scenario;  // keeps *spec alive
  const ModelSpec* spec;
  State state = State::kUnloaded;
  std::int64_t context_length = 0;
  Nanos session = 0;                   // keep-alive applied when the model goes idle
  std::optional<WallTime> expires_at;  // unset until first idle: /api/ps shows now + session
  int holding = 0;                     // requests running on it
  std::deque<Ticket> queue;            // requests waiting for it, first come first served
  bool unload_when_idle = false;
  bool retired = false;     // replaced by a scenario reset
  std::uint64_t epoch = 0;  // bumped when the state changes under a pending timer
  boost::asio::steady_timer load_timer;
  boost::asio::steady_timer expiry_timer;
};

}  // namespace fake_ollama
