#pragma once
// One shard of the master (parameter server): the state machine of sync, async, ssp, downpour
// and elastic on the shard's slice of θ. Events in, outbox out; no CAF, no clock, no thread.
// The update rule of each protocol is written in its implementation's header comment
// (sync_master.hpp, async_master.hpp, downpour_master.hpp, elastic_master.hpp).
//
// Every handler returns an error instead of trusting its input: a push for another shard, a
// payload of the wrong length, an unknown worker (errc::protocol naming the field), or
// a step that turned θ non-finite (errc::diverged "diverged at version N").
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <memory>
#include <span>

namespace sgmc::protocols {

class master {
 public:
  virtual ~master() = default;

  /// Called once before any other event (sync and async broadcast θ_0 here, or wait for pulls).
  virtual expected<void> start(outbox& out) = 0;
  virtual expected<void> on_push(const push& msg, outbox& out) = 0;
  virtual expected<void> on_pull(const pull& msg, outbox& out) = 0;
  virtual expected<void> on_exchange(const exchange& msg, outbox& out) = 0;
  /// A worker is gone (its process died): stop waiting for it, carry on with the others.
  virtual expected<void> on_worker_lost(worker_id worker, outbox& out) = 0;

  virtual version_t version() const = 0;
  /// The shard's slice of θ (elastic: of the centre θ̃).
  virtual std::span<const float> theta() const = 0;
  virtual slice owned() const = 0;
  /// Workers still taking part.
  virtual std::uint32_t live_workers() const = 0;
  virtual bool finished() const = 0;
};

/// Everything a master shard is built from. `kernel` updates vectors of the slice's length
/// (sync, async, ssp; unused by downpour, which applies pushed updates, and elastic).
struct master_setup {
  protocol_params protocol;
  run_params run;
  shard_id shard = 0;
  std::size_t dim = 0;                        ///< length of the full θ
  std::span<const float> theta0;              ///< the full θ_0 (the shard copies its slice)
  std::unique_ptr<samplers::sampler> kernel;  ///< may be null for downpour and elastic
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
};

/// Builds the master shard of setup.protocol.kind after validating setup.
expected<std::unique_ptr<master>> make_master(master_setup setup);

}  // namespace sgmc::protocols
