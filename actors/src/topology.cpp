#include "sgmc/actors/topology.hpp"

#include "sgmc/core/assert.hpp"

#include <caf/send.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sgmc::actors {

topology spawn_topology(caf::actor_system& sys, engine::run_parts& parts, actor_context ctx,
                        supervisor_config sup) {
  SGMC_ASSERT(parts.sink != nullptr, "spawn_topology needs a sample sink");
  const auto shards = static_cast<std::uint32_t>(parts.masters.size());
  const auto workers = static_cast<std::uint32_t>(parts.workers.size());
  sup.shards = shards;
  sup.workers = workers;
  topology t;
  t.supervisor = spawn_supervisor(sys, std::move(sup));
  ctx.supervisor = t.supervisor;
  for (std::uint32_t k = 0; k < shards; ++k)
    t.actors.masters.push_back(
        spawn_master(sys, ctx,
                     {std::move(parts.masters[k]), k, parts.progress_every,
                      parts.checkpoints != nullptr ? parts.checkpoint_every_s : 0.0, parts.computed,
                      parts.checkpoints != nullptr && parts.checkpoints->worker_chains()}));
  for (std::uint32_t i = 0; i < workers; ++i)
    t.actors.workers.push_back(
        spawn_worker(sys, ctx, {std::move(parts.workers[i]), i}, shards + i));
  t.actors.collector =
      spawn_collector(sys, ctx,
                      {parts.chains, parts.slices > 0 ? parts.slices : shards, shards, workers,
                       parts.dim, parts.sink, parts.checkpoints, parts.first_draws});
  t.actors.index();
  caf::anon_send(t.supervisor, init_atom::value, t.actors.masters, t.actors.workers,
                 t.actors.collector, std::vector<std::string>{});
  return t;
}

}  // namespace sgmc::actors
