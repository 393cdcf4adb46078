#pragma once
// The one output writer of every run, with a protocol or without, real or simulated
// (docs/outputs.md): for each chain, its draws go to OUT/samples/chain-K.npy and to the
// posterior predictive average, and a metrics record goes to OUT/metrics.jsonl
//   at the first step the chain reports at or past every multiple of run.eval_every, and
//   at the end, for the last step reported (unless that one was recorded already).
// A single-process chain reports every step (so records fall on the multiples of eval_every
// and on the last step); a protocol's collector reports the steps of its draws (master versions,
// or an elastic worker's local steps). Evaluation runs on a background thread per chain
// (eval_worker), so that test-set predictions overlap with sampling. Each draw's step, Û, step
// size and staleness go to OUT/samples/chain-K.stats.npy, row for row with chain-K.npy.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/evaluator.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/progress_sink.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/model.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace sgmc::engine {

namespace detail {
class eval_worker;
}

/// A chain's account at the end of a run.
struct chain_summary {
  std::uint32_t chain = 0;
  std::uint64_t steps = 0;  ///< steps done (the last step reported)
  std::uint64_t draws = 0;  ///< rows in the chain's .npy
  metric_list metrics;      ///< the chain's last evaluation
  std::string samples_path;
};

/// What every chain's output shares; everything referenced outlives the outputs.
struct output_context {
  std::uint64_t eval_every = 100;  ///< run.eval_every (>= 1)
  const models::model& model;
  const models::dataset& test;
  const metrics_writer& metrics;
  progress_sink& progress;
  const clock& time;  ///< wall_s of the metrics records
  std::filesystem::path samples_dir;
};

/// Where a resumed chain continues (engine/checkpoint.hpp): after `step`, with `draws` rows.
struct chain_resume {
  std::uint64_t step = 0;
  std::uint64_t draws = 0;
};

/// What OUT/samples holds of `chains` chains, to continue them (a collector that rejoins a
/// run): per chain, the whole rows both chain-K.npy and chain-K.stats.npy hold and the step of
/// the last of them; {0, 0} for a chain without files. errc::invalid_data for a file that is
/// there but not one of ours.
expected<std::vector<chain_resume>> kept_draws(const std::filesystem::path& samples_dir,
                                               std::uint32_t chains);

class chain_output {
 public:
  /// Creates OUT/samples/chain-K.npy (truncating it) and the chain's evaluator. With `resume`,
  /// keeps the first resume->draws rows of the chain's .npy files instead (cutting any later
  /// ones; errc::invalid_data when fewer are there), feeds them to the posterior predictive
  /// average again, and records metrics from the first multiple of eval_every after the step.
  static expected<std::unique_ptr<chain_output>> create(const output_context& ctx,
                                                        std::uint32_t chain,
                                                        const chain_resume* resume = nullptr);
  ~chain_output();
  chain_output(const chain_output&) = delete;
  chain_output& operator=(const chain_output&) = delete;

  /// The chain's state after `step` steps: θ (a draw when `is_draw`), the potential Û, the
  /// step size of the step that produced it and that update's staleness (−1: not applicable).
  /// A draw goes to chain-K.npy and its stats to chain-K.stats.npy (draw_stats.hpp). A write
  /// error of the .npy files or of an earlier metrics record is returned.
  expected<void> on_step(std::uint64_t step, std::span<const float> theta, bool is_draw,
                         double potential, double step_size, std::int64_t staleness = -1);

  /// Records the last step reported unless it was recorded (`theta` is its state; is it the
  /// last draw?), waits for every queued evaluation and returns the chain's summary, or the
  /// first write error.
  expected<chain_summary> finish(std::span<const float> theta, bool theta_is_draw);
  /// Ends without a final record (the run failed): queued evaluations are still written.
  void abandon();
  /// Makes the draws written so far durable (npy_writer::sync of both files).
  expected<void> sync();

  const chain_summary& summary() const { return summary_; }
  const std::string& samples_path() const { return summary_.samples_path; }

 private:
  chain_output(const output_context& ctx, std::uint32_t chain);
  void record(std::span<const float> theta, bool theta_is_draw);

  const output_context& ctx_;
  struct impl;
  std::unique_ptr<impl> impl_;
  chain_summary summary_;
  std::uint64_t next_eval_ = 0;  ///< record at the first step >= this
  double last_potential_ = 0.0;
  double last_step_size_ = 0.0;
  bool last_recorded_ = true;
};

}  // namespace sgmc::engine
