#pragma once
// The discrete-event simulator: the real protocol objects of a run plan (master shards,
// workers, collector; engine::make_run_parts), driven in virtual time instead of by actors.
// Single-threaded and deterministic: events run in (virtual time, scheduling order), every
// duration is drawn from Philox keyed by the sim seed (timing.hpp), and nothing reads a clock.
//
// What happens, in virtual time (docs/simulate.md):
//  * a worker whose outbox asks to compute calls compute() at once, on the θ it holds then;
//    its sends leave `compute` later (× its straggler factor). An ask while it computes waits
//    for the end (as the worker actor's held outbox does);
//  * a message leaves its sender and arrives when network_model says;
//  * a master shard handles one message at a time: a message waits while the shard is busy;
//    the handler runs when its service starts, its sends leave `master_service` later. With a
//    master service of 0 the handler runs on arrival;
//  * `[staleness] delay` in versions is served as the master actor serves it: params answers
//    from a history of the shard's θ, K versions back (engine/version_history.hpp), K drawn from
//    the shard's injector stream; delays in ms, latencies and stragglers are virtual time;
//  * the collector hands complete draws to the sink with `clock` showing the virtual time in
//    seconds (metrics' wall_s), and the trace records every message sent and received with
//    virtual timestamps (ns).
#include "sgmc/core/error.hpp"
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/engine/sim_params.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc/sim/event_queue.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace sgmc::sim {

struct sim_options {
  engine::trace_writer* trace = nullptr;  ///< every message, virtual timestamps; may be null
  engine::manual_clock* clock = nullptr;  ///< set to the virtual time (s) of each draw; may be null
  /// Shard 0's version, every run_parts::progress_every versions; may be empty.
  std::function<void(std::uint64_t version)> on_progress;
  bool keep_applied = false;  ///< keep every staleness record in sim_result::applied
};

struct sim_result {
  engine::run_report report;   ///< wall_seconds: the virtual seconds of the run
  std::uint64_t events = 0;    ///< events run
  std::uint64_t messages = 0;  ///< protocol messages sent
  vtime end = 0;               ///< virtual time of the last event (ns)
  std::vector<protocols::staleness_record> applied;  ///< with keep_applied, in order applied
};

class simulator {
 public:
  /// Builds every part of `plan` (errors as make_run_parts and validate(sim) give them).
  static expected<std::unique_ptr<simulator>> make(const engine::run_plan& plan,
                                                   const engine::sim_params& sim,
                                                   engine::sample_sink& sink,
                                                   sim_options options = {});
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// Runs to the end: every event until none is left. Calls the sink's on_finish (or on_error
  /// with the error it returns).
  expected<sim_result> run();

 private:
  struct state;
  explicit simulator(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace sgmc::sim
