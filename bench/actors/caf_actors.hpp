#pragma once
// The two actors of the CAF round-trip benchmarks and what sets them up.
//   ping: on (run, k) performs k round trips with the echo and answers the number of bad
//         replies (a payload of the wrong length or version); θ is copied into every params.
//   echo: answers each params with a push carrying the same payload (moved, not copied).
// With a data channel (the hybrid variant) both processes use sgmc's own node data channel
// (actors/data_channel.hpp) as `sgmc node` does: a payload of at least its min_bytes (64 KiB)
// is sent over the channel first, then a remote<params> / remote<push> CAF message naming it
// (actors/src/remote_message.hpp); the receiving actor takes it from the channel's inbox
// (filled by the channel's receiver thread). Smaller payloads stay in their CAF message, as in
// the nodes. The pinger copies θ into each payload (as a master does), the echo sends the
// received vector back without copying. With a trace writer both actors record every send and
// receive.
#include "roundtrips.hpp"
#include "sgmc/actors/data_channel.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/engine/trace.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sgmc::bench {

using run_atom = caf::atom_constant<caf::atom("run")>;

/// No single wait of the benchmarks lasts longer than this.
inline constexpr auto kTimeout = std::chrono::seconds(30);

/// Registers sgmc's messages, loads the middleman if `network`, applies the settings.
void configure(caf::actor_system_config& cfg, caf_settings s, bool network);

/// Connects to the actor published at 127.0.0.1:port, waiting at most kTimeout.
expected<caf::actor> connect(caf::actor_system& sys, std::uint16_t port);

/// Optional extras of both actors.
struct channel {
  sgmc::actors::data_channel* data = nullptr;  ///< hybrid: this process's data channel
  /// hybrid: the other process's data channel endpoint (the echo learns it from a string
  /// message the client sends before the first round trip)
  std::shared_ptr<std::string> peer = std::make_shared<std::string>();
  sgmc::engine::trace_writer* trace = nullptr;  ///< record every send and receive ...
  sgmc::engine::trace_lane* lane = nullptr;     ///< ... each actor in a lane of its own
};

caf::behavior echo(caf::event_based_actor* self, channel ch);

struct ping_state {
  std::vector<float> theta;
  std::uint64_t left = 0;
  std::uint64_t version = 0;
  std::uint64_t bad = 0;
  caf::response_promise done;
};
caf::behavior ping(caf::stateful_actor<ping_state>* self, caf::actor echo, std::size_t n,
                   channel ch);

/// The timed loop: batches of batch_for(n) round trips, each started by a request to `pinger`.
void run_batches(benchmark::State& state, caf::actor_system& sys, const caf::actor& pinger,
                 std::size_t n);

}  // namespace sgmc::bench
