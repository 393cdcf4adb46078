#pragma once
// `sgmc trace watch tcp://HOST:PORT`: listens where nodes started with `[trace] publish` send
// their records (actors/trace_publisher.hpp) and shows, every second, per worker: messages/s and
// bytes/s (sent and received by it), the staleness of its updates the master applied (mean and
// max over the last second) and its busy fraction (compute spans / wall time; version-2 traces),
// plus per node the records received and the records it dropped.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/trace.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sgmc::tools {

/// One interval's counts (what one refresh of the table shows).
class watch_window {
 public:
  void add(const std::string& node, std::uint64_t dropped, const engine::trace_event& e);
  /// The table for an interval of `seconds`; then the counts start again (totals are kept).
  std::string table(double seconds);
  std::uint64_t total_records() const { return total_; }

 private:
  struct worker_counts {
    std::uint64_t messages = 0, bytes = 0, applied = 0, compute_ns = 0;
    double staleness_sum = 0.0;
    std::int64_t staleness_max = -1;
  };
  struct node_counts {
    std::uint64_t records = 0, total = 0, dropped = 0;
  };
  std::map<std::uint32_t, worker_counts> workers_;
  std::map<std::string, node_counts> nodes_;
  std::uint64_t total_ = 0;
};

struct watch_options {
  std::string endpoint;
  std::uint64_t count = 0;  ///< stop after this many records (0: no limit)
  double seconds = 0.0;     ///< stop after this long (0: no limit)
  bool live = false;        ///< a terminal: redraw the table in place
  std::function<void(const std::string&)> print;
};

/// Runs the watcher until count or seconds is reached (or forever); the records received.
expected<std::uint64_t> watch(const watch_options& o);

}  // namespace sgmc::tools
