#pragma once
// `sgmc simulate --calibrate RUN_DIR`: the [sim] section (engine/sim_params.hpp) fitted to the
// traces of a real run (docs/simulate.md#calibrating-from-a-real-run). The traces are read and
// counted by `sgmc trace summary`'s code (trace_run.hpp, trace_summary.hpp); this file only fits.
//
//   compute         lognormal fitted to every worker's compute spans (all workers pooled)
//   latency         lognormal fitted to the send → receive times of the messages between the
//                   workers and the master shards, paired by message id (both directions)
//   master_service  lognormal fitted to the master shards' apply spans
//   bandwidth_gbps, message_overhead_us = 0: a trace cannot tell them apart from the latency,
//                   which already holds them (and any wait in the receiver's mailbox)
//
// The fit of a lognormal to durations t_1..t_n (ns, each at least 1), taken in the order of
// their start times:
//   median M = the median of t_i
//   σ = 1.4826 · MAD(ln t_{i+1} − ln t_i) / √2   (the "local" spread)
//   σ_all = the standard deviation of ln t_i     (reported, not used)
// For independent draws both estimate the same σ (the difference of two draws has variance
// 2σ², and 1.4826 · MAD is the normal's standard deviation). On a real machine most of the
// spread is shared: phases in which the OS gives every thread of the run less CPU slow down all
// workers and the master together and leave the order of their messages, and so the staleness,
// as it is; the simulator draws every duration independently, and would turn that shared
// spread into reordering. Neighbours in time share the phase, so their differences see only
// the independent part; the MAD keeps preemptions (rare, ms long) from dominating it.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/sim_params.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgmc::tools {

struct lognormal_fit {
  std::uint64_t count = 0;  ///< durations fitted
  double median_ns = 0.0;   ///< median of t
  double sigma = 0.0;       ///< the local spread of ln t (see above)
  double sigma_all = 0.0;   ///< standard deviation of ln t
};

/// A duration and when it began (ns).
struct timed_duration {
  std::int64_t t_ns = 0;
  std::int64_t duration_ns = 0;
};

/// The lognormal of the header comment (durations below 1 ns count as 1 ns); count 0 when
/// `v` is empty, σ 0 with fewer than 3 durations.
lognormal_fit fit_lognormal(std::vector<timed_duration> v);

/// "lognormal:M,S" with M rounded to 4 significant digits (at least 1 ns, at most
/// engine::k_max_sim_ns) and S to 3 decimals (at most engine::k_max_lognormal_sigma).
engine::duration_spec to_duration(const lognormal_fit& f);

struct calibration {
  std::string source;  ///< RUN_DIR as given
  std::string run_id;  ///< 32 hex digits
  std::uint32_t workers = 0, shards = 0;
  lognormal_fit compute;
  std::vector<lognormal_fit> compute_by_worker;  ///< by worker index (count 0: no spans)
  lognormal_fit latency, latency_to_master, latency_to_workers;
  lognormal_fit master_service;  ///< count 0: no apply spans (the default is kept)
  engine::sim_params sim;        ///< the fitted section (other keys: their defaults)
};

/// Fits [sim] to the traces of one run. Refuses (errc::invalid_argument, one line naming
/// `run.dir`) traces of several runs, version-1 traces, and traces without compute spans or
/// paired messages.
expected<calibration> calibrate(const trace_run& run);

/// Loads RUN_DIR's traces and calibrates from them.
expected<calibration> calibrate(const std::string& run_dir);

/// The [sim] section as TOML, with a comment per key saying what it was fitted from.
std::string format_sim_section(const calibration& c);

}  // namespace sgmc::tools
