#pragma once
// One run's actors in one actor system: S master shards, W workers, the collector and their
// supervisor, spawned from ready-made protocol objects and started. What run_embedded uses, and
// what the actor tests use with fake or real protocols on CAF's deterministic scheduler.
#include "sgmc/actors/actors.hpp"
#include "sgmc/actors/runtime.hpp"
#include "sgmc/actors/supervisor.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/engine/sample_sink.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <vector>

namespace sgmc::actors {

struct topology {
  caf::actor supervisor;
  directory actors;
};

/// Spawns and starts a run: the protocol objects move from `parts` into the actors; the
/// caller keeps `parts` (its gradient sources) until every actor has terminated.
/// `ctx.supervisor` is filled in here; `sup.shards` and `sup.workers` are taken from `parts`.
/// The run ends through sup.on_result.
topology spawn_topology(caf::actor_system& sys, engine::run_parts& parts, actor_context ctx,
                        supervisor_config sup);

}  // namespace sgmc::actors
