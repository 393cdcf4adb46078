#pragma once
// The vocabulary shared by sgmc's actors: control atoms, the directory that maps protocol
// endpoints to actor handles, and the context every actor is built with.
//
// Actors are untyped (caf::actor) and exchange the protocol structs of protocols/messages.hpp
// plus these control messages, built only from CAF's builtin types or the structs of
// summary.hpp, so that the same handles work across processes (io::middleman publish /
// remote_actor) once every node registers the same types. Protocol messages travel as
// (u64 id, message), the id numbering the sending actor's messages from 1 (the trace's message
// id; peer_actor.hpp). Control messages:
//   (init_atom, masters, workers, collector, data)  supervisor → every actor: the directory,
//                                              with the data channel endpoint of every actor's
//                                              node (masters, workers, the collector; "" for
//                                              none; empty in one process)
//   (rejoin_atom, u32 worker, actor, data)     gate → supervisor → masters and the collector:
//                                              worker's new actor (a rejoin, or a worker
//                                              absent at the start) and the data endpoints;
//                                              the supervisor then sends it the directory
//   (compute_atom)                             worker → itself: run compute() now
//   (flush_atom, u64 id)                       straggler worker → itself: send what it held
//   (done_atom, engine::shard_report | engine::worker_report)  master/worker → supervisor and
//   collector (progress_atom, u32 shard, u64 version)    master → supervisor (watchdog, progress)
//   (collected_atom, u64 draws)                collector → supervisor: every draw handed on
//   (fail_atom, u8 errc, string)               any → supervisor: end the run with this error
//   (tick_atom)                                supervisor → itself: watchdog check
#include "sgmc/core/error.hpp"
#include "sgmc/engine/staleness.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sgmc::actors {

class data_channel;

using init_atom = caf::atom_constant<caf::atom("sgmc_init")>;
using rejoin_atom = caf::atom_constant<caf::atom("sgmc_rjoin")>;
using compute_atom = caf::atom_constant<caf::atom("sgmc_comp")>;
using flush_atom = caf::atom_constant<caf::atom("sgmc_flush")>;
using done_atom = caf::atom_constant<caf::atom("sgmc_done")>;
using progress_atom = caf::atom_constant<caf::atom("sgmc_prog")>;
using collected_atom = caf::atom_constant<caf::atom("sgmc_coll")>;
using fail_atom = caf::atom_constant<caf::atom("sgmc_fail")>;
using tick_atom = caf::atom_constant<caf::atom("sgmc_tick")>;
/// A collector rejoined the run: (collector_atom, its actor, its data channel endpoint,
/// protocols::draws_ack of the draws it holds), from the gate to the supervisor and from the
/// supervisor to every master shard.
using collector_atom = caf::atom_constant<caf::atom("sgmc_crej")>;
/// (chain_atom, u64 id): an elastic master shard asks a worker for its chain at checkpoint `id`;
/// the worker sends engine::chain_part to the collector on the link of its samples.
using chain_atom = caf::atom_constant<caf::atom("sgmc_chain")>;

/// Registers the structs of summary.hpp ("sgmc.shard_report", ...). Call on every node's
/// config, next to register_messages (wire.hpp).
void register_runtime_messages(caf::actor_system_config& cfg);

/// A log line sink ("worker 2 lost; carrying on with 3"). Called from actor threads: it must
/// be thread-safe. May be empty.
using log_fn = std::function<void(const std::string&)>;

/// Who is where: masters[k] is shard k, workers[i] worker i.
struct directory {
  directory() = default;
  /// Fills the handles and indexes them.
  directory(std::vector<caf::actor> m, std::vector<caf::actor> w, caf::actor c);

  std::vector<caf::actor> masters;
  std::vector<caf::actor> workers;
  caf::actor collector;

  /// The handle of an endpoint (an invalid handle when it is out of range).
  caf::actor at(const protocols::endpoint& e) const;
  /// The endpoint of an actor of this directory.
  std::optional<protocols::endpoint> find(const caf::actor_addr& a) const;
  /// The same for a message's sender (one hash lookup of its control block: this runs for
  /// every traced message).
  std::optional<protocols::endpoint> find(const caf::strong_actor_ptr& a) const;
  /// Builds the address index find() uses; call after filling the handles.
  void index();

 private:
  std::unordered_map<const caf::actor_control_block*, protocols::endpoint> by_block_;
};

/// What every actor of a run is built with.
struct actor_context {
  caf::actor supervisor;                  ///< receives done, progress and fail messages
  engine::trace_writer* trace = nullptr;  ///< optional; shared by the node's actors
  log_fn log;                             ///< optional
  engine::staleness_params staleness;     ///< what to inject (see injector.hpp)
  std::uint64_t seed = 1;                 ///< keys the random delays
  /// The node's data channel (data_channel.hpp), shared by its actors; null: every payload
  /// travels inside its CAF message (one process, or the channel switched off).
  data_channel* channel = nullptr;
  /// Message ids: the counter this actor shares with the node's gate or agent, which record
  /// start-up messages as the same trace actor (master shard 0; the node's worker or
  /// collector); null: the actor's own. Ids are last + 1, from 1.
  std::shared_ptr<std::atomic<std::uint64_t>> ids;
};

}  // namespace sgmc::actors
