#pragma once
// One chain of a run, from its starting point to its last step: kernel set-up (and the SGD mode
// search of sgld-fp), the step loop, draws to the .npy and the predictive average, and a
// metrics record every eval_every steps and at the end. Draws are written to the .npy on the
// chain's thread; test-set evaluation runs on an eval_worker thread beside it.

#include "eval_worker.hpp"
#include "sgmc/actors/model_gradient.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/control_variate.hpp"
#include "sgmc/samplers/schedule.hpp"
#include "sgmc/tools/evaluator.hpp"
#include "sgmc/tools/metrics_writer.hpp"
#include "sgmc/tools/npy_writer.hpp"
#include "sgmc/tools/progress.hpp"
#include "sgmc/tools/run_config.hpp"
#include "sgmc/tools/runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sgmc::tools::detail {

/// What all chains of a run share (read-only, or thread-safe).
struct run_context {
  const run_config& cfg;
  const models::model& model;
  const models::dataset& test;
  const samplers::schedule& sched;
  const metrics_writer& metrics;
  progress& prog;
  std::string samples_dir;
  std::chrono::steady_clock::time_point start;
  std::atomic<bool>& stop;  ///< set when a chain fails: the others end early
};

class chain_runner {
 public:
  chain_runner(const run_context& ctx, std::uint32_t chain);

  /// Runs the chain; stops early (successfully) when ctx.stop is set by another chain.
  expected<chain_summary> run();

 private:
  expected<void> prepare();
  expected<void> loop();
  expected<void> find_mode(std::span<float> theta);
  expected<void> after_step(std::uint64_t t);
  expected<void> record(std::uint64_t t, bool theta_is_draw);
  error diverged(const error& e, std::string_view what, double step_size) const;
  double seconds() const;

  const run_context& ctx_;
  const std::uint32_t chain_;
  actors::model_gradient source_;
  std::unique_ptr<samplers::control_variate_source> cv_source_;
  std::unique_ptr<samplers::sampler> kernel_;
  std::unique_ptr<samplers::chain> markov_;
  std::optional<npy_writer> npy_;
  std::unique_ptr<evaluator> eval_;
  std::unique_ptr<eval_worker> worker_;  // after eval_: stops before eval_ goes
  chain_summary summary_;
};

}  // namespace sgmc::tools::detail
