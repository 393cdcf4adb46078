#pragma once
// The run plan: what one run of a protocol is made of, built once from the config (make_plan)
// and handed unchanged to whoever drives it — the actors of one process (actors/embedded.hpp),
// the nodes of several (actors/node.hpp), a test driver, the simulator.
//
//   S = protocol.shards master shards, each with the sampler kernel on its slice of θ
//       (sync, async, ssp; downpour and elastic masters apply what workers send);
//   W = protocol.workers workers, each with its own gradient source over the shared model and
//       its rows protocols::worker_rows(N, W, i, protocol.shard_data, run.seed), and its own
//       local kernel for downpour and elastic;
//   one collector handing complete draws to a sample_sink.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/engine/staleness.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/protocols/worker.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sgmc::engine {

class checkpoint_writer;
struct checkpoint;

struct run_plan {
  protocols::protocol_params protocol;
  protocols::run_length run;
  staleness_params staleness;
  const models::model* model = nullptr;  ///< not null; shared (read-only) by every worker
  samplers::sampler_params sampler;      ///< kernel kind and batch size
  samplers::schedule schedule = samplers::schedule::constant(1e-4);
  std::vector<float> theta0;  ///< θ_0; empty: model->initial_params({run.seed, 0, 0, init})
};

/// The plan of `cfg` (a config with a protocol) on `model` with the step-size schedule `sched`.
run_plan make_plan(const run_config& cfg, const models::model& model,
                   const samplers::schedule& sched);

/// Checks the plan (errc::invalid_config naming the key) without building anything.
expected<void> validate(const run_plan& plan);

/// The protocol objects of a run, ready for a driver, and the gradient sources its workers
/// compute with: keep `sources` alive until every worker has stopped.
struct run_parts {
  std::vector<std::unique_ptr<protocols::master>> masters;  ///< shard k at index k
  std::vector<std::unique_ptr<protocols::worker>> workers;  ///< worker i at index i
  std::vector<std::unique_ptr<samplers::gradient_source>> sources;
  std::uint32_t chains = 1;  ///< 1, or W for elastic
  std::uint32_t slices = 0;  ///< slices per draw; 0: one per master shard (elastic: 1)
  std::size_t dim = 0;
  sample_sink* sink = nullptr;       ///< not null; outlives the run
  std::uint64_t progress_every = 1;  ///< master versions between progress messages
  /// Checkpoints (engine/checkpoint.hpp): written by the collector at the masters' request
  /// every checkpoint_every_s seconds; null: none. Set by the caller; outlives the run.
  const checkpoint_writer* checkpoints = nullptr;
  double checkpoint_every_s = 0.0;
  /// Per chain: the first draw index the collector hands on (resume_parts; empty: 0).
  std::vector<std::uint64_t> first_draws;
  /// Per worker: the gradients it had computed at the checkpoint (resume_parts; empty: 0).
  std::vector<std::uint64_t> computed;
};

/// Every part of a run of `plan` (validated first), its draws going to `sink`.
expected<run_parts> make_run_parts(const run_plan& plan, sample_sink& sink);

/// The pieces of make_run_parts, for nodes that build only their own share of a run.
/// θ_0: plan.theta0, or model->initial_params({run.seed, 0, 0, init}).
std::vector<float> initial_theta(const run_plan& plan);
/// The S master shards' protocol objects (plan validated by the caller).
expected<std::vector<std::unique_ptr<protocols::master>>> make_master_shards(
    const run_plan& plan, std::span<const float> theta0);
/// Worker i's protocol object and the gradient source it computes with (keep `source` alive
/// until the worker has stopped).
struct worker_part {
  std::unique_ptr<protocols::worker> worker;
  std::unique_ptr<samplers::gradient_source> source;
};
/// Sets the parts of a run back to checkpoint `c` (engine/checkpoint.hpp) before they start:
/// every master shard restores its state, the collector starts at the checkpoint's draw counts
/// (first_draws), every worker skips the gradients it had computed and
/// holds the checkpoint's θ. errc::invalid_argument when the shard or worker counts differ.
expected<void> resume_parts(run_parts& parts, const checkpoint& c);

expected<worker_part> make_worker_part(const run_plan& plan, std::span<const float> theta0,
                                       protocols::worker_id i);

}  // namespace sgmc::engine
