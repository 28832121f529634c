#include "daemon/run_once.hpp"

#include <boost/asio/executor_work_guard.hpp>

namespace llmon {

CollectResult run_once(Collector& collector, boost::asio::io_context& io,
                       boost::asio::thread_pool& pool) {
  if (!collector.is_async()) return collector.collect();
  std::exception_ptr error;
  CollectResult result;
  io.restart();
  // The run may hop to the pool and back: keep io.run() going until `done` is called.
  auto work = boost::asio::make_work_guard(io);
  collector.async_collect(RunContext{io, pool, nullptr},
                          [&](std::exception_ptr e, CollectResult r) {
                            error = e;
                            result = std::move(r);
                            work.reset();
                          });
  io.run();
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace llmon
