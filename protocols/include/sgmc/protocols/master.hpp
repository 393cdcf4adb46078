#pragma once
// One shard of the master (parameter server): the state machine of sync, async, ssp, downpour
// and elastic on the shard's slice of θ (shard_slice). Events in, outbox out; no CAF, no
// clock, no thread. Each protocol's update rule is written in its implementation's header
// comment (protocols/src/: sync_master.hpp, async_master.hpp, ssp_master.hpp,
// downpour_master.hpp, elastic_master.hpp; the common part in master_core.hpp) and in
// docs/protocols.md.
//
// In short, for the shard at version v (updates applied so far):
//   sync      a push from every live worker for v, averaged in worker order, one kernel step
//   async     each gradient push: one kernel step on arrival, answered with θ_{v+1}
//   ssp       async, answering worker i only while its clock − the slowest's <= s
//   downpour  each pushed update Δ: θ += Δ (no kernel); pulls answered
//   elastic   each exchange: θ̃ += α(θ_i − θ̃), answered with the new centre
// Every applied push or exchange appends a staleness_record to the outbox. sync, async, ssp and
// downpour send the thinned draws of chain 0 (their θ) to the collector and stop every live
// worker and the collector at version run.steps; elastic stops once every live worker has sent
// its last exchange.
//
// Every handler returns an error instead of trusting its input: a push for another shard, an
// unknown or lost worker, a push kind the protocol does not use (errc::protocol naming the
// field), or an update that turned θ non-finite (errc::diverged "diverged at version N ...").
// Events after the run finished are ignored (they were in flight).
//
// A push or exchange whose payload is hostile or broken is *rejected*: never applied, counted
// per rejection_reason (rejected()), listed in out.rejected, and the run goes on. In order of
// the checks: a (worker, seq) equal to or older than the worker's last accepted one (exchanges:
// its step), a version ahead of the shard's, a payload of the wrong length, a non-finite value
// (and, through the codec wrapper, an encoded payload its decoder refuses). A replay, an
// out-of-order or an ahead message gets no answer (the genuine one was or will be answered); a
// payload refused for its content is answered as a pull would be (sync, async, ssp: θ of the
// current version, which makes the worker compute again; elastic: the centre; downpour: no
// answer, its workers do not wait), so an honest worker with one bad gradient goes on.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <array>
#include <memory>
#include <span>
#include <vector>

namespace sgmc::protocols {

/// What a shard must keep to continue after a restart (engine/checkpoint.hpp): its version, its
/// slice of θ (elastic: of θ̃), its kernel's per-chain state and the potential of the last push.
/// Only the state between events is kept: a sync barrier's pushes for the current version, ssp's
/// clocks and deferred answers start afresh (workers pull again after a restart).
struct master_state {
  version_t version = 0;
  std::vector<float> theta;         ///< the shard's slice
  std::vector<float> kernel_state;  ///< samplers::sampler::save_state(); empty without a kernel
  double potential = 0.0;           ///< Û of the last push applied (NaN before the first)
  /// elastic: per worker, the step of the last exchange applied (0: none); a worker whose last
  /// exchange (step >= run.steps) was applied is finished. Empty in other protocols.
  std::vector<std::uint64_t> exchanged{};
};

class master {
 public:
  virtual ~master() = default;

  /// Called once before any other event. Sends nothing in any protocol: the workers of sync,
  /// async and ssp pull θ_0; those of downpour and elastic start from θ_0 themselves.
  virtual expected<void> start(outbox& out) = 0;
  virtual expected<void> on_push(const push& msg, outbox& out) = 0;
  virtual expected<void> on_pull(const pull& msg, outbox& out) = 0;
  virtual expected<void> on_exchange(const exchange& msg, outbox& out) = 0;
  /// A worker is gone (its process died): stop waiting for it, carry on with the others.
  virtual expected<void> on_worker_lost(worker_id worker, outbox& out) = 0;
  /// A worker lost during the run, or absent at its start, (re)joins: it takes part again from
  /// the current version. Sends nothing (its worker pulls θ first); its last accepted seq is
  /// forgotten (a new process numbers its pushes afresh); sync's barrier waits for it again,
  /// ssp sets its clock to the slowest live worker's. After the run finished: stop{"done"} to
  /// it. errc::protocol for an unknown worker, and in elastic (a chain does not rejoin).
  virtual expected<void> on_worker_joined(worker_id worker, outbox& out) = 0;
  /// A push (`exchange` false, at `seq`) or exchange (at step `seq`) from `worker` whose payload
  /// could not be decoded (`detail` says why): rejected as rejection_reason::malformed, answered
  /// as the class comment says. errc::protocol for an unknown or lost worker.
  virtual expected<void> on_malformed(worker_id worker, std::uint64_t seq, bool exchange,
                                      const std::string& detail, outbox& out) = 0;

  virtual version_t version() const = 0;
  /// The shard's slice of θ (elastic: of the centre θ̃).
  virtual std::span<const float> theta() const = 0;
  virtual slice owned() const = 0;
  /// Workers still taking part.
  virtual std::uint32_t live_workers() const = 0;
  virtual bool finished() const = 0;

  /// The state a checkpoint keeps.
  virtual master_state save() const = 0;
  /// Continues from `state` (before start()): errc::invalid_argument when the slice, the
  /// kernel state or the version (>= run.steps) does not fit this shard.
  virtual expected<void> restore(const master_state& state) = 0;
  /// Pushes and exchanges rejected so far, per rejection_reason (indexed by its code).
  virtual std::array<std::uint64_t, kRejectionReasons> rejected() const = 0;
};

/// Everything a master shard is built from. `kernel` updates vectors of the slice's length
/// (sync, async, ssp; unused by downpour, which applies pushed updates, and elastic). Its noise
/// is keyed {run.seed, 0, version, noise} at offset slice.offset, so S shards together give
/// the bits of one (see samplers::step_info::offset).
struct master_setup {
  protocol_params protocol;
  run_length run;
  shard_id shard = 0;
  std::size_t dim = 0;                        ///< length of the full θ
  std::span<const float> theta0;              ///< the full θ_0 (the shard copies its slice)
  std::unique_ptr<samplers::sampler> kernel;  ///< may be null for downpour and elastic
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
};

/// Builds the master shard of setup.protocol.kind after validating setup: validate(protocol,
/// dim), validate(run), shard < shards, θ_0 of length dim and finite, a kernel of the slice's
/// length where one is used (errc::invalid_config / invalid_argument / dimension_mismatch).
expected<std::unique_ptr<master>> make_master(master_setup setup);

}  // namespace sgmc::protocols
