#pragma once
// Running one collector to completion outside the scheduler, for the one-shot commands
// (`collect`, `doctor`). Not thread-safe: call from one thread, which runs `io` meanwhile.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "collectors/collector.hpp"

namespace llmon {

// Blocking and asynchronous collectors alike; rethrows the run's failure.
CollectResult run_once(Collector& collector, boost::asio::io_context& io,
                       boost::asio::thread_pool& pool);

}  // namespace llmon
