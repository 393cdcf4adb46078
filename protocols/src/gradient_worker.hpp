#pragma once
// The worker of sync, async and ssp: it holds the θ last received from each shard (θ
// assembled from the shards' slices, shard k at version v_k), and loops
//   wait for params from every shard → g = ∇Û(θ) on its next minibatch →
//   push{version = v_k, seq = g's index, kind = gradient, potential = Û(θ), g's slice k} to
//   every shard k → wait again.
// start() pulls from every shard. The shards' answers differ by protocol (sync: the broadcast
// after the barrier; async: an answer per push; ssp: an answer that may be deferred) but the
// worker does not care. A stop ends it.
#include "worker_core.hpp"

namespace sgmc::protocols::detail {

class gradient_worker final : public worker_core {
 public:
  explicit gradient_worker(worker_setup setup);
  expected<void> start(outbox& out) override;

 private:
  expected<void> step(outbox& out) override;
};

}  // namespace sgmc::protocols::detail
