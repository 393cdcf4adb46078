#pragma once
// One chain of a run without a protocol, from its starting point to its last step: kernel
// set-up (and the SGD mode search of sgld-fp), the step loop, and every step's state handed to
// the run's output writer (run_output.hpp), which writes draws and metrics records.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/model_gradient.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/run_output.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/control_variate.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sgmc::engine {

/// What all chains of a run share (read-only, or thread-safe).
struct chain_context {
  const run_config& cfg;
  const models::model& model;
  const samplers::schedule& sched;
  const output_context& out;
  std::atomic<bool>& stop;  ///< set when a chain fails: the others end early
};

class chain_runner {
 public:
  chain_runner(const chain_context& ctx, std::uint32_t chain);

  /// Runs the chain; stops early (successfully) when ctx.stop is set by another chain.
  expected<chain_summary> run();

 private:
  expected<void> prepare();
  expected<void> loop();
  expected<void> find_mode(std::span<float> theta);
  error diverged(const error& e, std::string_view what, double step_size) const;

  const chain_context& ctx_;
  const std::uint32_t chain_;
  model_gradient source_;
  std::unique_ptr<samplers::control_variate_source> cv_source_;
  std::unique_ptr<samplers::sampler> kernel_;
  std::unique_ptr<samplers::chain> markov_;
  std::unique_ptr<chain_output> output_;
  bool last_was_draw_ = false;
};

/// Runs `chains` chains of `ctx` in parallel (a tbb::task_group; each chain's kernels use TBB
/// inside). A failing chain stops the others; its error is returned.
expected<std::vector<chain_summary>> run_chains(const chain_context& ctx, std::uint32_t chains);

}  // namespace sgmc::engine
