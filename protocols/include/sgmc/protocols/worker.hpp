#pragma once
// A worker's state machine for sync, async, ssp, downpour and elastic. It owns the worker's
// copy of θ, its minibatch stream over its rows, and (downpour, elastic) its local kernel; it
// computes gradients through a samplers::gradient_source when its driver calls compute().
// The driver decides *when* (injected straggling and delays live in the driver, never here).
// The rules are in protocols/src/ (gradient_worker.hpp for sync/async/ssp, downpour_worker.hpp,
// elastic_worker.hpp, the common part in worker_core.hpp) and docs/protocols.md.
//
// Typical exchange, async: start() pulls from every shard; once every shard's params arrived
// the outbox says compute; compute() evaluates ∇Û on the next minibatch at the local θ and
// pushes one slice per shard; each shard answers a push with fresh params; and so on until a
// stop arrives. Downpour and elastic workers start computing at once (the outbox of start()
// says compute) and take local kernel steps.
//
// Randomness (all keyed by run.seed): minibatches from samplers::minibatcher with chain = the
// worker index; synthetic gradient noise from {seed, worker, k, grad_noise} for the k-th
// gradient; local kernel noise (downpour, elastic) from {seed, local_chain(worker), step,
// noise}. Bad params (unknown shard, wrong length, not awaited), compute() when not asked for
// are errc::protocol; a non-finite Û or local update is errc::diverged.
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
  virtual expected<void> on_theta_reply(const theta_reply& msg, outbox& out) = 0;
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
  /// Continues a run from a checkpoint (before start()): the worker has computed `computed`
  /// gradients — its minibatch stream skips as many batches and its next gradient's noise is
  /// the `computed`-th — and holds θ = `theta` (length dim; sync, async and ssp pull θ anyway).
  /// errc::invalid_argument for θ of another length.
  virtual expected<void> resume(std::uint64_t computed, std::span<const float> theta) = 0;
  /// The chain at this moment, between two compute() calls (a checkpoint's cut). Other than
  /// elastic: θ, computed and finished only.
  virtual worker_chain save_chain() const = 0;
  /// Continues a chain from save_chain()'s result (before start()): elastic restores θ_i, its
  /// kernel state, local steps, gradients computed (the minibatch stream skips as many), the
  /// centre and its versions; start() then resends a pending exchange (and waits for the
  /// centre) or computes at once, and a finished chain only reports that it is finished.
  /// Other protocols: resume(chain.computed, chain.theta). errc::invalid_argument for vectors
  /// of the wrong length or a kernel state the kernel refuses.
  virtual expected<void> restore_chain(const worker_chain& chain) = 0;
};

/// Everything a worker is built from. `source` outlives the worker; θ_0 and the rows are
/// copied.
struct worker_setup {
  protocol_params protocol;
  run_length run;
  worker_id id = 0;
  std::size_t dim = 0;
  samplers::gradient_source* source = nullptr;  ///< not null
  std::vector<std::uint32_t> rows;              ///< worker_rows(...); empty: all rows
  std::size_t batch_size = 100;
  std::span<const float> theta0;              ///< the full θ_0
  std::unique_ptr<samplers::sampler> kernel;  ///< downpour and elastic: the local kernel
  /// downpour and elastic: ε_t of local step t (sync, async, ssp: the masters' schedule rules)
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
};

/// Builds the worker of setup.protocol.kind after validating setup: validate(protocol, dim),
/// validate(run), id < workers, a source of dimension dim, θ_0 of length dim and finite,
/// batch_size and rows fitting the source's data (samplers::minibatcher::check), a local kernel
/// of length dim for downpour and elastic.
expected<std::unique_ptr<worker>> make_worker(worker_setup setup);

}  // namespace sgmc::protocols
