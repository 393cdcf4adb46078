#pragma once
// The agent of a worker or collector node (node_agent.cpp): hello, welcome, join, and the end.
#include "node_gate.hpp"
#include "sgmc/engine/admission.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sgmc::actors::detail {

/// What a node's start_role callback spawned.
struct role_started {
  caf::actor actor;
  engine::trace_writer* trace = nullptr;
  engine::trace_actor me;
};

/// The agent's settings.
struct agent_config {
  caf::actor gate;
  protocols::hello hello;
  std::string origin;  ///< node_origin()
  /// Message ids: the hello's, shared with the node's actor (the agent records as it).
  std::shared_ptr<std::atomic<std::uint64_t>> ids;
  std::string master;  ///< "HOST:PORT", for messages
  std::chrono::milliseconds welcome_timeout{10000};
  /// Called on the agent's thread with the welcome: builds and spawns the node's actor with
  /// `agent` as its supervisor.
  std::function<expected<role_started>(const protocols::welcome&, const caf::actor& agent)>
      start_role;
  /// Optional: called (before on_end) when the master is lost after this node's actor joined
  /// and before the run's end: a worker node may connect again and rejoin.
  std::function<void()> on_master_lost;
  /// Called once: the master's closing line, or why this node ends.
  std::function<void(expected<std::string>)> on_end;
  log_fn log;
};

/// Spawns the agent, which says hello to `cfg.gate` at once.
caf::actor spawn_agent(caf::actor_system& sys, agent_config cfg);

}  // namespace sgmc::actors::detail
