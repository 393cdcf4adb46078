#pragma once
// A node's network side (node.hpp): its actor system config, who it is, and connecting to a
// master with a bounded wait.
#include "sgmc/actors/node.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <chrono>
#include <string>

namespace sgmc::actors::detail {

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

}  // namespace sgmc::actors::detail
