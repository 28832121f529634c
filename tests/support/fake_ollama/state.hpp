#pragma once
// The fake's shared state: the request log, the active faults and the model scheduler, plus
// State, which bundles them for the route handlers. Not thread-safe: everything runs on the one
// thread that runs the io_context.
#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "scenario.hpp"
#include "scheduler.hpp"

namespace fake_ollama {

// Every API request received (never /_fake/ ones), oldest first, capped so that a long demo
// cannot grow without bound; plus per-path counts, which are not capped.
class RequestLog {
 public:
  static constexpr std::size_t kMaxEntries = 10'000;

  void record(const Request& request);
  boost::json::array entries_json() const;
  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }
  boost::json::object counts_json() const;
  void clear_counts() { counts_.clear(); }

 private:
  std::deque<boost::json::object> entries_;
  std::map<std::string, std::int64_t> counts_;
};

// The faults in force: those of the scenario plus any added at run time. A request to a path
// takes the fault for that exact path, else a "*" one; a fault with `times` wears out.
class FaultTable {
 public:
  void replace(std::vector<FaultSpec> faults);
  void add(FaultSpec fault);  // replaces a fault on the same endpoint
  void clear() { faults_.clear(); }
  std::optional<FaultSpec> take(std::string_view path);
  boost::json::array json() const;

 private:
  struct Active {
    FaultSpec spec;
    int remaining;  // -1: unlimited
  };
  std::vector<Active> faults_;
};

struct State {
  explicit State(boost::asio::io_context& io) : ioc(io), scheduler(io) {}

  // A new scenario: models start over as it says, its faults replace all faults.
  void apply(std::shared_ptr<const Scenario> scenario);
  const Scenario& scenario() const { return scheduler.scenario(); }
  // Re-reads scenario_path (SIGHUP, POST /_fake/reload): "" once applied, else why it was not
  // (and the current scenario stays).
  std::string reload();

  boost::asio::io_context& ioc;
  Scheduler scheduler;
  RequestLog log;
  FaultTable faults;
  std::string scenario_path;  // re-read on SIGHUP; empty when the scenario came from elsewhere
};

}  // namespace fake_ollama
