#include "sgmc/actors/runtime.hpp"

#include "sgmc/actors/summary.hpp"

#include <caf/actor_system_config.hpp>

#include <utility>

namespace sgmc::actors {

void register_runtime_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<shard_report>("sgmc.shard_report");
  cfg.add_message_type<worker_report>("sgmc.worker_report");
}

directory::directory(std::vector<caf::actor> m, std::vector<caf::actor> w, caf::actor c)
    : masters(std::move(m)), workers(std::move(w)), collector(std::move(c)) {
  index();
}

caf::actor directory::at(const protocols::endpoint& e) const {
  using role = protocols::endpoint::role;
  switch (e.who) {
    case role::master:
      return e.index < masters.size() ? masters[e.index] : caf::actor{};
    case role::worker:
      return e.index < workers.size() ? workers[e.index] : caf::actor{};
    case role::collector:
      return collector;
  }
  return caf::actor{};
}

std::optional<protocols::endpoint> directory::find(const caf::actor_addr& a) const {
  auto it = by_addr_.find(a);
  if (it == by_addr_.end()) return std::nullopt;
  return it->second;
}

void directory::index() {
  by_addr_.clear();
  for (std::uint32_t k = 0; k < masters.size(); ++k)
    if (masters[k]) by_addr_[masters[k].address()] = protocols::master_shard(k);
  for (std::uint32_t i = 0; i < workers.size(); ++i)
    if (workers[i]) by_addr_[workers[i].address()] = protocols::worker_at(i);
  if (collector) by_addr_[collector.address()] = protocols::collector();
}

}  // namespace sgmc::actors
