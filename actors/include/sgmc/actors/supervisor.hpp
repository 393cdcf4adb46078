#pragma once
// The supervisor of one run: hands every actor the directory, gathers progress and the final
// reports, and ends the run — with a engine::run_report when the collector has handed on every draw
// and every master and worker is done (or lost), or with the first error any actor reports, the
// loss of a master or the collector, or no progress for `watchdog` (errc::timeout). Then it
// shuts every actor down (exit reason user_shutdown, which no actor takes for a loss).
//
// topology.hpp spawns a whole run around it; spawn_supervisor is for drivers that spawn the
// other actors themselves.
#include "sgmc/actors/runtime.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_report.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>

namespace sgmc::actors {

struct supervisor_config {
  std::uint32_t shards = 1;
  std::uint32_t workers = 1;
  /// No new version, report or draw count for this long ends the run with errc::timeout.
  std::chrono::milliseconds watchdog{60000};
  /// Called once, from the supervisor's thread, with the run's outcome.
  std::function<void(expected<engine::run_report>)> on_result;
  /// Optional: every progress message (shard, version), from the supervisor's thread.
  std::function<void(std::uint32_t, std::uint64_t)> on_progress;
  log_fn log;
  /// How long a run waits for a lost collector to rejoin ((collector_atom, actor, data endpoint,
  /// draws_ack) from the gate); 0: the collector's loss ends the run at once.
  std::chrono::milliseconds collector_wait{0};
};

/// Spawns the supervisor. Send it (init_atom, masters, workers, collector, data endpoints) to
/// start the run: it forwards the directory to the masters, the collector and then the workers.
/// A collector that rejoins gets the directory, then the reports of the workers that are done
/// or lost; the master shards get (collector_atom, ...) to resend what it lacks.
caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg);

}  // namespace sgmc::actors
