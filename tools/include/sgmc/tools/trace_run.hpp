#pragma once
// The traces of one run, loaded for `sgmc trace`: every RUN_DIR/trace/*.trace file (or the
// *.trace files of RUN_DIR itself), checked to belong to one run, and the clock offsets that put
// the nodes on one time axis.
//
// Clock offsets (NTP's estimate, RFC 5905 §8): a worker sends a pull at t1 (its clock), the
// master receives it at t2 and answers params at t3 (the master's clock), the worker receives
// the answer at t4. Then offset θ = ((t2 − t1) + (t3 − t4)) / 2 is what to add to the worker's
// clock to read the master's, with round-trip delay δ = (t4 − t1) − (t3 − t2); the pair with
// the smallest δ is kept, and θ is certain to ±δ/2. The pairs need message ids (version 2);
// without them, nodes with clock anchors are aligned by their realtime clocks, and version-1
// traces are taken as they are (CLOCK_MONOTONIC of one host).
#include "sgmc/core/error.hpp"
#include "sgmc/engine/trace.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sgmc::tools {

/// One node's trace and where it came from.
struct trace_node {
  std::filesystem::path path;
  engine::trace_file file;
  std::int64_t offset_ns = 0;        ///< add to this node's t_ns to read the reference clock
  std::uint64_t uncertainty_ns = 0;  ///< ± of offset_ns
  std::string offset_method;  ///< "reference", "request/reply round trips (n)", "anchors", ...
};

struct trace_run {
  std::filesystem::path dir;
  std::vector<trace_node> nodes;     ///< the reference node (master, or embedded) first
  std::vector<std::string> foreign;  ///< files of another run, left out: "PATH: why"
  std::vector<std::string> notes;    ///< what the traces cannot tell (version 1: no ids, ...)
  bool has_ids = false;              ///< some record carries a message id
  bool has_spans = false;            ///< some record is a compute or apply span
};

/// Loads the traces of RUN_DIR. A file that fails to read is an error naming it (the reader's
/// message, with the record); no trace file is an error naming the folder.
expected<trace_run> load_trace_run(const std::filesystem::path& run_dir);

/// The checks and offsets of load_trace_run on nodes already read (the unit tests build them).
trace_run make_trace_run(std::vector<trace_node> nodes);

/// Estimates each node's clock offset against nodes[0] (see the header comment).
void estimate_offsets(trace_run& run);

/// The trace's time on the reference clock.
inline std::int64_t aligned(const trace_node& n, std::uint64_t t_ns) {
  return static_cast<std::int64_t>(t_ns) + n.offset_ns;
}

/// Hex of a run id ("0" * 32 for version 1).
std::string to_hex(const engine::trace_run_id& id);

}  // namespace sgmc::tools
