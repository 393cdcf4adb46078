#pragma once
// What worker and collector nodes share: connecting to the master, the agent's hello and
// welcome, and waiting for the agent's word on the end (node_join.cpp).
#include "node_agent.hpp"
#include "sgmc/actors/data_channel.hpp"
#include "sgmc/actors/node.hpp"
#include "sgmc/actors/trace_publisher.hpp"
#include "sgmc/engine/admission.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/engine/trace.hpp"

#include <caf/actor_system.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sgmc::actors::detail {

/// Builds and spawns the node's actor once welcomed (agent_config::start_role).
using start_fn =
    std::function<expected<role_started>(const protocols::welcome&, const caf::actor& agent)>;

/// What a worker or collector node keeps alive until its actors have terminated.
struct joining_node {
  caf::actor role;
  std::unique_ptr<data_channel> channel;  ///< opened once the master is reached
  std::string name;                       ///< "worker 2", "collector": once welcomed
  std::unique_ptr<engine::trace_writer> trace;
  /// Message ids of the node's actor, shared with its agent (whose hello is 1).
  std::shared_ptr<std::atomic<std::uint64_t>> ids = std::make_shared<std::atomic<std::uint64_t>>(0);
  trace_publication live;  ///< after trace: detached before the writer goes
  std::unique_ptr<samplers::gradient_source> source;
  /// Times the node's actor was started: more than 0 when the worker rejoins.
  std::uint32_t starts = 0;
  /// A worker's gradients computed so far (worker_actor_config::computed), kept across rejoins.
  std::shared_ptr<std::atomic<std::uint64_t>> computed =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

/// errc::protocol when the master's welcome does not fit this node's run plan.
expected<void> check_welcome(const engine::run_plan& s, const protocols::welcome& w);

/// Opens the node's trace NODE.trace in o.trace_folder (none when that is empty), with the
/// run id of the master's welcome.
expected<void> open_trace(const node_options& o, const std::string& node,
                          const protocols::welcome& w, joining_node& st);

/// Connects to the master, lets the agent say hello as a `kind` node and `start` the node's actor
/// once welcomed, waits for the end, then shuts the node's actor down: the master's closing
/// line or why this node ended. A worker node (o.rejoin) that loses the master during the run
/// connects again and says hello under its index, for up to o.connect_timeout from the loss
/// (a refused connection, an unreachable host, or its index still taken because the master
/// has not noticed the loss yet, are tried again every 0.2 s), then starts a new actor.
expected<std::string> run_joining_node(caf::actor_system& sys, const engine::run_plan& s,
                                       const node_options& o, engine::node_role kind,
                                       start_fn start, joining_node& st);

/// The node's CAF scheduler threads (1 unless asked).
inline unsigned threads_of(const node_options& o) { return o.threads > 0 ? o.threads : 1; }

}  // namespace sgmc::actors::detail
