#pragma once
// The embedded topology: master shards, workers and the collector as actors of one actor system
// in this process (what `sgmc run` starts for a [protocol] other than none).
//
//   S = protocol.shards master shards, each with the sampler kernel on its slice of θ
//       (sync, async, ssp; downpour and elastic masters apply what workers send);
//   W = protocol.workers workers, each with its own gradient source over the shared model and
//       its rows protocols::worker_rows(N, W, i, protocol.shard_data, run.seed), and its own
//       local kernel for downpour and elastic;
//   one collector handing complete draws to `sink`, and a supervisor with a watchdog.
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
#include "sgmc/actors/sample_sink.hpp"
#include "sgmc/actors/staleness.hpp"
#include "sgmc/actors/summary.hpp"
#include "sgmc/actors/topology.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sgmc::actors {

struct embedded_options {
  std::filesystem::path trace_path;  ///< the node's trace file; empty: no trace
  std::string node = "embedded";     ///< the node name in the trace header
  unsigned threads = 0;              ///< CAF scheduler threads; 0: the number of cores (>= 2)
  bool work_stealing = false;        ///< CAF's default scheduler instead of sharing (see above)
  /// No progress (new master version, report) for this long ends the run with errc::timeout.
  std::chrono::milliseconds watchdog{60000};
  log_fn log;  ///< log lines ("worker 2 lost; ..."); called under a lock, from actor threads
  /// Progress (shard, version), from the supervisor's thread.
  std::function<void(std::uint32_t, std::uint64_t)> on_progress;
};

struct embedded_setup {
  protocols::protocol_params protocol;
  protocols::run_params run;
  staleness_params staleness;
  const models::model* model = nullptr;  ///< not null; shared (read-only) by every worker
  samplers::sampler_params sampler;      ///< kernel kind and batch size
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
  std::vector<float> theta0;  ///< θ_0; empty: model->initial_params({run.seed, 0, 0, init})
  embedded_options options;
};

/// Checks the setup (errc::invalid_config naming the key) without running anything.
expected<void> validate(const embedded_setup& setup);

/// The protocol objects of a run of `setup` (validated first), ready for spawn_topology, and
/// the gradient sources its workers compute with: keep `sources` alive until every actor of the
/// run has terminated. What run_embedded spawns; tests spawn it on CAF's test scheduler.
struct run_parts {
  topology_parts parts;
  std::vector<std::unique_ptr<samplers::gradient_source>> sources;
};
expected<run_parts> make_run_parts(const embedded_setup& setup, sample_sink& sink);

/// The pieces of make_run_parts, for nodes that build only their own share of a run (node.hpp).
/// θ_0: setup.theta0, or model->initial_params({run.seed, 0, 0, init}).
std::vector<float> initial_theta(const embedded_setup& setup);
/// The S master shards' protocol objects (setup validated by the caller).
expected<std::vector<std::unique_ptr<protocols::master>>> make_master_shards(
    const embedded_setup& setup, std::span<const float> theta0);
/// Worker i's protocol object and the gradient source it computes with (keep `source` alive
/// until the worker's actor has terminated).
struct worker_part {
  std::unique_ptr<protocols::worker> worker;
  std::unique_ptr<samplers::gradient_source> source;
};
expected<worker_part> make_worker_part(const embedded_setup& setup, std::span<const float> theta0,
                                       protocols::worker_id i);

/// Runs to the end and returns its summary, or the first error (a protocol violation, a
/// divergence, a failed sink write, errc::timeout from the watchdog). Then calls
/// sink.on_finish(summary) or sink.on_error(error) from this thread, after every actor has
/// terminated; an error of on_finish is returned.
expected<run_summary> run_embedded(const embedded_setup& setup, sample_sink& sink);

}  // namespace sgmc::actors
