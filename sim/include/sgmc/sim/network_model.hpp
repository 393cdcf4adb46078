#pragma once
// When a message sent in virtual time arrives. Nodes are the S master shards (0..S−1), the W
// workers (S..S+W−1) and the collector (S+W), as the actors number their random streams. A
// message of b bytes sent by node a to node c at time t:
//
//   tx      = message_overhead + 8 b / bandwidth          (0 when both are 0)
//   start   = max(t, the end of a's previous transmission) (each node sends one at a time)
//   arrival = start + tx + latency draw + injected delay
//   arrival = max(arrival, the arrival of a's previous message to c)   (links are FIFO)
//
// where the injected delay is what `[staleness]` says for that message in the actors
// (engine::injector::message_delay: latency_ms, link_latency_ms of the worker at either end,
// and the drawn millisecond delay of pushes and exchanges), drawn from the sender's injector
// stream {seed, node, 0, user + 1} in the same order as its actor would. Latency draws use
// timing.hpp's stream `latency` for the sending node, one per message.
//
// Memory: O(S + W) nodes plus 2·S·W + S + W link times (8 bytes each).
#include "sgmc/engine/injector.hpp"
#include "sgmc/engine/sim_params.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/sim/event_queue.hpp"

#include <cstdint>
#include <vector>

namespace sgmc::sim {

class network_model {
 public:
  /// `seed` keys the latency draws, `run_seed` the injected delays (as in the actors).
  network_model(const engine::sim_params& sim, const engine::staleness_params& staleness,
                std::uint64_t seed, std::uint64_t run_seed, std::uint32_t shards,
                std::uint32_t workers);

  /// The arrival time of a message of `bytes` from `from` to `to` sent at `now`.
  vtime send(vtime now, const protocols::endpoint& from, const protocols::endpoint& to,
             std::uint64_t bytes, bool is_push);

  /// The node index of an endpoint.
  std::uint32_t node(const protocols::endpoint& e) const;

 private:
  vtime& link(std::uint32_t from, std::uint32_t to);

  engine::duration_spec latency_;
  double ns_per_byte_;  ///< 8 / bandwidth in ns (0: unlimited)
  double overhead_ns_;
  std::uint64_t seed_;
  std::uint32_t shards_, workers_;
  bool serial_;  ///< transmissions take time: keep each node's egress
  std::vector<vtime> egress_free_;
  std::vector<std::uint64_t> sent_;  ///< messages per node (latency draw counters)
  std::vector<vtime> links_;         ///< last arrival per directed link
  vtime dummy_link_ = 0;
  std::vector<engine::injector> inject_;  ///< per node; empty without message delays
};

}  // namespace sgmc::sim
