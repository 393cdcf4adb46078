#pragma once
// Spawning sgmc's actors, one per role. Each only delivers messages to its protocol object
// (protocols/master.hpp, worker.hpp, collector.hpp) and carries out the outboxes it returns:
//
//   master shard   push / pull / exchange → protocols::master; applied updates' staleness
//                  counted; params answers served from older versions when [staleness] delays
//                  versions; reports progress and, when finished, a engine::shard_report.
//   worker         params / stop → protocols::worker; compute() on the actor's own thread when
//                  the outbox asks (after a straggler's wait, a delayed message to itself).
//   collector      sample → protocols::collector; complete draws to a engine::sample_sink; reports
//                  (collected_atom, draws) once every master and worker is done or lost.
//
// Every actor waits for the directory (init_atom, see runtime.hpp) before anything else,
// monitors its peers, traces every message it sends or receives, and ends the run through its
// supervisor (fail_atom) on an error of its protocol or the loss of a peer it cannot do
// without. A master that loses a worker calls on_worker_lost and carries on.
#include "sgmc/actors/runtime.hpp"
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace sgmc::actors {

struct master_actor_config {
  std::unique_ptr<protocols::master> protocol;  ///< not null
  protocols::shard_id shard = 0;
  std::uint64_t progress_every = 1;  ///< versions between progress messages (>= 1)
  /// Wall seconds between two checkpoint requests to the collector (0: none): sent after an
  /// event that moved the version, on the ordered link behind the samples of that version.
  double checkpoint_every_s = 0.0;
  /// Per worker: gradients computed before a resumed run started (the checkpoint's counts, kept
  /// for workers that push nothing before the next checkpoint); empty: none.
  std::vector<std::uint64_t> computed;
  /// elastic: with each checkpoint request, ask every worker for its chain (chain_atom).
  bool worker_chains = false;
  /// Samples the shard keeps until the collector acknowledges them (protocols::draws_ack), to
  /// resend them to a collector that rejoins after a loss; a full buffer makes the shard wait
  /// for acknowledgements. 0: none kept, and losing the collector ends the run.
  std::uint64_t collector_buffer = 0;
};

struct worker_actor_config {
  std::unique_ptr<protocols::worker> protocol;  ///< not null
  protocols::worker_id id = 0;
  /// A worker node that rejoins (node_join.hpp): losing a master does not fail the worker,
  /// which waits idle to be shut down by its node; `computed`, if set, holds the gradients
  /// computed so far (updated after each), for the worker that continues it.
  bool rejoins = false;
  std::shared_ptr<std::atomic<std::uint64_t>> computed{};
};

struct collector_actor_config {
  std::uint32_t chains = 1;  ///< 1, or W for elastic
  std::uint32_t slices = 1;  ///< slices per draw: the master shards, or 1 for elastic
  std::uint32_t masters = 1;
  std::uint32_t workers = 1;
  std::size_t dim = 0;
  engine::sample_sink* sink = nullptr;  ///< not null; outlives the actor
  /// Writes the checkpoints the masters request (null: requests are ignored); outlives the actor.
  const engine::checkpoint_writer* checkpoints = nullptr;
  /// Per chain: the first draw index to hand on (a resumed run); empty: 0.
  std::vector<std::uint64_t> first_draws;
  /// Acknowledge durable draws to every master shard (protocols::draws_ack, after
  /// sample_sink::sync), at most every `ack_interval` and at once every `ack_every` draws, and
  /// drop samples of draws already handed on (a master resending after a rejoin). false: none.
  bool ack = false;
  std::chrono::milliseconds ack_interval{100};
  std::uint64_t ack_every = 256;
};

caf::actor spawn_master(caf::actor_system& sys, actor_context ctx, master_actor_config cfg);
/// `rng_owner` keys the worker's injected random delays (distinct from every other actor's).
caf::actor spawn_worker(caf::actor_system& sys, actor_context ctx, worker_actor_config cfg,
                        std::uint32_t rng_owner);
caf::actor spawn_collector(caf::actor_system& sys, actor_context ctx, collector_actor_config cfg);

}  // namespace sgmc::actors
