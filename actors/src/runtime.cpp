#include "sgmc/actors/runtime.hpp"

#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/checkpoint.hpp"

#include "sgmc/engine/run_report.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system_config.hpp>

#include <utility>

namespace sgmc::actors {

void register_runtime_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<engine::shard_report>("sgmc.shard_report");
  cfg.add_message_type<engine::worker_report>("sgmc.worker_report");
  cfg.add_message_type<engine::checkpoint_request>("sgmc.checkpoint_request");
  cfg.add_message_type<engine::chain_part>("sgmc.chain_part");
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

namespace {

// An actor's control block identifies it within one actor system: a remote actor has one
// proxy per node (CAF's proxy registry), so its handles all share that proxy's block.
std::optional<protocols::endpoint> lookup(
    const std::unordered_map<const caf::actor_control_block*, protocols::endpoint>& index,
    const caf::actor_control_block* block) {
  if (block == nullptr) return std::nullopt;
  auto it = index.find(block);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<protocols::endpoint> directory::find(const caf::actor_addr& a) const {
  return lookup(by_block_, caf::actor_cast<caf::actor_control_block*>(a));
}

std::optional<protocols::endpoint> directory::find(const caf::strong_actor_ptr& a) const {
  return lookup(by_block_, a.get());
}

void directory::index() {
  by_block_.clear();
  auto add = [this](const caf::actor& a, protocols::endpoint e) {
    if (a) by_block_[caf::actor_cast<caf::actor_control_block*>(a)] = e;
  };
  for (std::uint32_t k = 0; k < masters.size(); ++k) add(masters[k], protocols::master_shard(k));
  for (std::uint32_t i = 0; i < workers.size(); ++i) add(workers[i], protocols::worker_at(i));
  add(collector, protocols::collector());
}

}  // namespace sgmc::actors
