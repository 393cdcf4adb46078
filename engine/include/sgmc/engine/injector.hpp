#pragma once
// Draws the injected delays of `[staleness]` (staleness.hpp) for one actor. Deterministic: the
// random delays come from the Philox stream {seed, chain = owner, stream = user + 1}, drawn in
// the order the actor asks for them.
//
//   version delay k (masters, per params answer):
//     fixed:K → K;  uniform:A,B → A + below(B − A + 1);  exp:M → ⌊−M ln(1 − u)⌋, capped at
//     history_depth() − 1 = ⌈8 M⌉ (P(k > 8M) = e^−8 ≈ 3e−4)
//   message delay d (ms, every message an actor sends to a peer):
//     d = latency_ms + link_latency_ms[w] (w: the worker at either end, if any)
//         + a drawn delay in ms for pushes and exchanges (delay with an ms suffix)
//   straggler wait (workers): (factor − 1) × measured compute time
#include "sgmc/core/rng.hpp"
#include "sgmc/engine/staleness.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace sgmc::engine {

class injector {
 public:
  injector() = default;
  /// `owner` keys the random stream (a shard or worker index; use distinct values per actor).
  injector(staleness_params params, std::uint64_t seed, std::uint32_t owner);

  /// True when params answers are to be served from older versions.
  bool delays_versions() const;
  /// Versions a master keeps to serve delayed answers (1 when versions are not delayed).
  std::size_t history_depth() const;
  /// The version delay of the next params answer (0 without version delays).
  std::uint64_t next_version_delay();

  /// True when any message may get a delay (latency, link latency or millisecond delays):
  /// without, actors send at once and skip the per-destination ordering bookkeeping.
  bool delays_messages() const;
  /// The delay of one message to or from `worker` (nullopt: a link without a worker);
  /// `is_push` adds the drawn millisecond delay of pushes and exchanges.
  std::chrono::nanoseconds message_delay(std::optional<std::uint32_t> worker, bool is_push);

  /// The slow-down factor of a worker (1 when it is not a straggler).
  double straggler_factor(std::uint32_t worker) const;

  const staleness_params& params() const { return params_; }

 private:
  double draw(const delay_spec& d);

  staleness_params params_;
  core::philox_engine rng_{core::rng_key{}};
};

}  // namespace sgmc::engine
