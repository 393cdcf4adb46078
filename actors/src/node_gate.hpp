#pragma once
// The master node's gate (node_gate.cpp): the actor published on --listen, delivering hellos,
// joins and losses to the admission rules (engine/admission.hpp).
#include "sgmc/actors/node.hpp"
#include "sgmc/engine/admission.hpp"
#include "sgmc/engine/trace.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::actors::detail {

/// An agent to the gate: its node's actor has started (with that actor).
using join_atom = caf::atom_constant<caf::atom("sgmc_join")>;
/// The run's end, to the gate (with errc and text) and from an agent (acknowledged).
using bye_atom = caf::atom_constant<caf::atom("sgmc_bye")>;

/// The gate's settings: the admission rules' and the actors it starts the run with.
struct gate_config {
  engine::admission_params admission;
  std::vector<caf::actor> masters;
  caf::actor supervisor;
  std::chrono::milliseconds wait{120000};
  engine::trace_writer* trace = nullptr;
  engine::trace_run_id run_id{};  ///< the run's id, sent with every welcome
  /// Message ids of the welcomes and stops, shared with master shard 0 (the gate records as it).
  std::shared_ptr<std::atomic<std::uint64_t>> ids;
  log_fn log;
  /// A resumed run's checkpoint (null: a fresh run): every welcome carries what its node needs.
  const engine::checkpoint* resume = nullptr;
  /// Called once if not everybody joined within `wait` (errc::timeout, naming who is missing).
  std::function<void(error)> on_fail;
};

/// The gate: takes hellos and joins, starts the run through the supervisor once everybody has
/// joined, tells the collector of workers lost during the run, and at the end answers
/// (bye_atom, u8 errc (0: success), string text) with `true` once every node acknowledged the
/// run's end (stop{text} on success, (fail_atom, errc, text) otherwise).
caf::actor spawn_gate(caf::actor_system& sys, gate_config cfg);

}  // namespace sgmc::actors::detail
