#pragma once
// A worker's state machine for sync, async, ssp, downpour and elastic. It owns the worker's
// copy of θ, its minibatch stream over its rows, and (downpour, elastic) its local kernel; it
// computes gradients through a samplers::gradient_source when its driver calls compute().
// The driver decides *when* (injected straggling and delays live in the driver, never here).
//
// Typical exchange, async: start() pulls from every shard; once every shard's params arrived
// the outbox says compute; compute() evaluates ∇Û on the next minibatch at the local θ and
// pushes one slice per shard; each shard answers a push with fresh params; and so on until a
// stop arrives.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <memory>
#include <span>
#include <vector>

namespace sgmc::protocols {

class worker {
 public:
  virtual ~worker() = default;

  virtual expected<void> start(outbox& out) = 0;
  /// θ (elastic: the centre θ̃) of one shard arrived.
  virtual expected<void> on_params(const params& msg, outbox& out) = 0;
  /// Evaluates the gradient at the local θ on the next minibatch and acts on it (push, local
  /// step, exchange, sample). Only after an outbox asked for it. errc::diverged when Û or θ
  /// turns non-finite.
  virtual expected<void> compute(outbox& out) = 0;
  /// The run is over for this worker.
  virtual expected<void> on_stop(const stop& msg, outbox& out) = 0;

  virtual worker_id id() const = 0;
  /// The worker's copy of θ (elastic: its own chain).
  virtual std::span<const float> theta() const = 0;
  /// Gradients computed so far.
  virtual std::uint64_t computed() const = 0;
  virtual bool finished() const = 0;
};

/// Everything a worker is built from. `source` and the rows outlive the worker.
struct worker_setup {
  protocol_params protocol;
  run_params run;
  worker_id id = 0;
  std::size_t dim = 0;
  samplers::gradient_source* source = nullptr;  ///< not null
  std::vector<std::uint32_t> rows;              ///< worker_rows(...); empty: all rows
  std::size_t batch_size = 100;
  std::span<const float> theta0;              ///< the full θ_0
  std::unique_ptr<samplers::sampler> kernel;  ///< downpour and elastic: the local kernel
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
};

/// Builds the worker of setup.protocol.kind after validating setup.
expected<std::unique_ptr<worker>> make_worker(worker_setup setup);

}  // namespace sgmc::protocols
