#pragma once
// The pieces of the multi-process start-up (node.hpp): the node's actor system config,
// connecting to a master with a bounded wait, the master's gate actor, the remote nodes'
// agent actor, and trace records of the start-up messages.
#include "sgmc/actors/node.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <vector>

namespace sgmc::actors::detail {

using join_atom = caf::atom_constant<caf::atom("sgmc_join")>;
using bye_atom = caf::atom_constant<caf::atom("sgmc_bye")>;

/// A node's actor system settings (see node.hpp): middleman, sgmc's message types, the
/// sharing scheduler with `threads` threads, middleman.workers = 0, heartbeats.
class node_config : public caf::actor_system_config {
 public:
  node_config(unsigned threads, const node_options& options);
};

/// `f` behind a mutex (empty when `f` is): log lines come from several actor threads.
log_fn serialized(log_fn f);

/// "host (pid 123)": who a node is, in the master's messages.
std::string node_origin();

/// Connects to the gate published at `a`: first a plain TCP connect bounded by `timeout` (so
/// that an unreachable host never blocks CAF's middleman), then CAF's handshake as a request
/// to the middleman actor with the time left. errc::io / errc::timeout with a one-line message.
/// `local_host` (optional) receives the numeric local address of that TCP connection: the
/// address this node is reachable at from the master's side (for its data channel).
expected<caf::actor> connect_gate(caf::actor_system& sys, const net_address& a,
                                  std::chrono::milliseconds timeout,
                                  std::string* local_host = nullptr);

/// A value set once from any thread (later sets are ignored) and waited for.
template <class T>
class once_result {
 public:
  void set(T value) {
    if (!set_.exchange(true)) promise_.set_value(std::move(value));
  }
  T get() { return future_.get(); }

 private:
  std::promise<T> promise_;
  std::future<T> future_ = promise_.get_future();
  std::atomic<bool> set_{false};
};

/// Records a start-up message (hello, welcome, stop) in `trace` (if any).
void trace_startup(engine::trace_writer* trace, engine::trace_type type,
                   engine::trace_direction dir, engine::trace_actor me, engine::trace_actor peer,
                   std::uint64_t bytes, std::uint64_t t_ns);
std::uint64_t bytes_of_hello(const protocols::hello& h);
std::uint64_t bytes_of_welcome();
std::uint64_t bytes_of_stop(const std::string& reason);

// ---- the master's gate ----

struct gate_config {
  std::uint32_t workers = 1;
  std::uint32_t shards = 1;
  std::uint64_t dim = 0;
  std::uint64_t config_hash = 0;
  std::string protocol;  ///< its name, for "starting async"
  std::string data;      ///< the master node's data channel endpoint ("" for none)
  std::vector<caf::actor> masters;
  caf::actor supervisor;
  std::chrono::milliseconds wait{120000};
  engine::trace_writer* trace = nullptr;
  log_fn say;
  /// Called once if not everybody joined within `wait` (errc::timeout, naming who is missing).
  std::function<void(error)> on_fail;
};

/// The gate: takes hellos and joins, starts the run through the supervisor once everybody has
/// joined, tells the collector of workers lost during the run, and at the end answers
/// (bye_atom, u8 errc (0: success), string text) with `true` once every node acknowledged the
/// run's end (stop{text} on success, (fail_atom, errc, text) otherwise).
caf::actor spawn_gate(caf::actor_system& sys, gate_config cfg);

// ---- the remote nodes' agent ----

/// What a node's start_role callback spawned.
struct role_started {
  caf::actor actor;
  engine::trace_writer* trace = nullptr;
  engine::trace_actor me;
};

struct agent_config {
  caf::actor gate;
  protocols::hello hello;
  std::string origin;  ///< node_origin()
  std::string master;  ///< "HOST:PORT", for messages
  std::chrono::milliseconds welcome_timeout{10000};
  /// Called on the agent's thread with the welcome: builds and spawns the node's actor with
  /// `agent` as its supervisor.
  std::function<expected<role_started>(const protocols::welcome&, const caf::actor& agent)>
      start_role;
  /// Called once: the master's closing line, or why this node ends.
  std::function<void(expected<std::string>)> on_end;
  log_fn say;
};

caf::actor spawn_agent(caf::actor_system& sys, agent_config cfg);

}  // namespace sgmc::actors::detail
