#pragma once
// One run's actors in one actor system: S master shards, W workers, the collector and their
// supervisor, spawned from ready-made protocol objects and started. What run_embedded uses, and
// what the actor tests use with fake or real protocols on CAF's deterministic scheduler.
#include "sgmc/actors/actors.hpp"
#include "sgmc/actors/runtime.hpp"
#include "sgmc/actors/sample_sink.hpp"
#include "sgmc/actors/supervisor.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <vector>

namespace sgmc::actors {

struct topology_parts {
  std::vector<std::unique_ptr<protocols::master>> masters;  ///< shard k at index k
  std::vector<std::unique_ptr<protocols::worker>> workers;  ///< worker i at index i
  std::uint32_t chains = 1;                                 ///< 1, or W for elastic
  std::uint32_t slices = 0;  ///< slices per draw; 0: one per master shard (elastic: 1)
  std::size_t dim = 0;
  sample_sink* sink = nullptr;       ///< not null; outlives the run
  std::uint64_t progress_every = 1;  ///< master versions between progress messages
};

struct topology {
  caf::actor supervisor;
  directory actors;
};

/// Spawns and starts a run. `ctx.supervisor` is filled in here; `sup.shards` and `sup.workers`
/// are taken from `parts`. The run ends through sup.on_result.
topology spawn_topology(caf::actor_system& sys, topology_parts parts, actor_context ctx,
                        supervisor_config sup);

}  // namespace sgmc::actors
