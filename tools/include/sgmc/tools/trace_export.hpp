#pragma once
// `sgmc trace export --chrome`: the traces of a run as Chrome trace-event JSON (the "JSON
// Array/Object Format" that chrome://tracing and ui.perfetto.dev open):
//
//   a process per node (pid 1.., named after the node), a thread per actor ("master 0",
//   "worker 3", "collector"); compute and apply spans as complete events ("ph": "X"); every
//   message as a short slice ("send push", "recv push", 1 µs) on its actor's thread, and, when
//   the records carry message ids, a flow arrow from the send to the receive ("ph": "s" then
//   "f" with "bp": "e", the same "id"). Times in µs from the run's first record, each node
//   moved by its estimated clock offset (trace_run.hpp).
#include "sgmc/core/error.hpp"
#include "sgmc/tools/trace_run.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sgmc::tools {

/// --from / --to: seconds from the run's first record, or a master version ("1500v").
struct export_bound {
  double value = 0.0;
  bool versions = false;
};

/// Parses "2.5" (seconds) or "1500v" (a master version); errc::invalid_argument naming `what`.
expected<export_bound> parse_export_bound(const std::string& text, const std::string& what);

struct export_options {
  std::optional<export_bound> from, to;
  std::uint64_t sample = 1;  ///< keep every sample-th message (by id) and span
};

struct export_stats {
  std::uint64_t slices = 0, flows = 0, events = 0;
  double from_s = 0.0, to_s = 0.0;  ///< the window written, seconds from the first record
};

/// Writes the JSON to `out`.
expected<export_stats> export_chrome(const trace_run& run, const export_options& o,
                                     std::string& out);

}  // namespace sgmc::tools
