#pragma once
// Draws of the [sim] durations (engine/sim_params.hpp), counter-based: the n-th draw of one
// purpose for one entity is Philox block n of the stream {seed, chain = entity, step = 0,
// stream = purpose}, so a draw depends only on (seed, purpose, entity, n), never on the order
// in which other entities draw.
//
//   fixed D         D
//   uniform A,B     A + (B − A) u
//   exp M           −M ln(1 − u)
//   lognormal M,S   M exp(S z)
// with u uniform in [0, 1) (53 bits of words 0 and 1) and z standard normal (Box–Muller on
// words 2 and 3). Results are rounded to whole nanoseconds and capped at one hour.
#include "sgmc/core/rng.hpp"
#include "sgmc/engine/sim_params.hpp"
#include "sgmc/sim/event_queue.hpp"

#include <cstdint>

namespace sgmc::sim {

/// What a draw is for (the Philox stream; past core::rng_stream::user + 1, which the
/// injector uses).
enum class draw_purpose : std::uint32_t {
  compute = static_cast<std::uint32_t>(core::rng_stream::user) + 2,  ///< entity: worker
  latency = static_cast<std::uint32_t>(core::rng_stream::user) + 3,  ///< entity: sending node
  service = static_cast<std::uint32_t>(core::rng_stream::user) + 4,  ///< entity: master shard
};

/// True when draws of `d` vary (not fixed): a fixed duration costs no generator call.
bool is_random(const engine::duration_spec& d);

/// Draw number `n` of `d` for `entity` (see above), in ns.
vtime draw(const engine::duration_spec& d, std::uint64_t seed, draw_purpose purpose,
           std::uint32_t entity, std::uint64_t n);

/// `ns` rounded to a whole vtime, clamped to [0, one hour].
vtime to_vtime(double ns);

}  // namespace sgmc::sim
