#pragma once
// The embedded topology: master shards, workers and the collector as actors of one actor system
// in this process (what `sgmc run` starts for a [protocol] other than none).
// The parts come from the run plan (engine/run_plan.hpp); a supervisor with a watchdog
// watches them.
//
// Actor system settings, chosen for small machines (2 cores here):
//   scheduler.policy = sharing: idle threads sleep on a condition variable, where the default
//     work-stealing scheduler polls for work (aggressively, then every few ms) and so takes
//     cycles from gradient computations and TBB kernels when there is less work than threads.
//     Measured here (2 cores, busy with other builds, θ of 100K floats, 2 workers): sync 1.1–1.3K
//     versions/s with sharing against 1.0K with stealing, async 2.2–3.1K against 2.2–3.0K;
//     options.work_stealing switches.
//   scheduler.max-threads = options.threads, or the number of cores (at least 2, so that the
//     supervisor and a master still run while one worker is inside a long compute()).
//   No middleman: nothing leaves the process.
// Each compute() and each master step runs on a CAF scheduler thread; the kernels' TBB loops
// use TBB's own threads inside them.
#include "sgmc/actors/runtime.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/engine/trace.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace sgmc::actors {

struct embedded_options {
  std::filesystem::path trace_path;  ///< the node's trace file; empty: no trace
  std::string node = "embedded";     ///< the node name in the trace header
  engine::trace_run_id run_id{};     ///< the trace header's run id; zero: a fresh random one
  std::uint64_t config_hash = 0;     ///< the trace header's config hash (actors::config_hash)
  std::string trace_publish;         ///< tcp://HOST:PORT of a `sgmc trace watch`; empty: none
  unsigned threads = 0;              ///< CAF scheduler threads; 0: the number of cores (>= 2)
  bool work_stealing = false;        ///< CAF's default scheduler instead of sharing (see above)
  /// No progress (new master version, report) for this long ends the run with errc::timeout.
  std::chrono::milliseconds watchdog{60000};
  log_fn log;  ///< log lines ("worker 2 lost; ..."); called under a lock, from actor threads
  /// Checkpoints: written through `checkpoints` every checkpoint_every_s seconds (null: none).
  const engine::checkpoint_writer* checkpoints = nullptr;
  double checkpoint_every_s = 0.0;
  /// Continue from this checkpoint (engine::resume_parts) instead of θ_0; null: a fresh run.
  const engine::checkpoint* resume = nullptr;
  /// Progress (shard, version), from the supervisor's thread.
  std::function<void(std::uint32_t, std::uint64_t)> on_progress;
};

/// Runs `plan` to the end and returns its report, or the first error (a protocol violation, a
/// divergence, a failed sink write, errc::timeout from the watchdog). Then calls
/// sink.on_finish(report) or sink.on_error(error) from this thread, after every actor has
/// terminated; an error of on_finish is returned.
expected<engine::run_report> run_embedded(const engine::run_plan& plan,
                                          const embedded_options& options,
                                          engine::sample_sink& sink);

}  // namespace sgmc::actors
