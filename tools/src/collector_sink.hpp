#pragma once
// The tools side of a distributed run's collector: it writes each chain's draws to
// OUT/samples/chain-K.npy and its metrics to OUT/metrics.jsonl exactly as the single-process run
// does (tools/src/chain_runner.cpp): a draw goes to the .npy and the predictive average; a
// metrics record is written at the first draw at or past every eval_every-th step (steps are
// master versions, or an elastic worker's local steps) and after the last draw.
#include "eval_worker.hpp"
#include "sgmc/actors/sample_sink.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/schedule.hpp"
#include "sgmc/tools/evaluator.hpp"
#include "sgmc/tools/metrics_writer.hpp"
#include "sgmc/tools/npy_writer.hpp"
#include "sgmc/tools/progress.hpp"
#include "sgmc/tools/run_config.hpp"
#include "sgmc/tools/runner.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::tools::detail {

class collector_sink final : public actors::sample_sink {
 public:
  struct context {
    const run_config& cfg;
    const models::model& model;
    const models::dataset& test;
    const samplers::schedule& sched;
    const metrics_writer& metrics;
    progress& prog;
    std::string samples_dir;
    std::chrono::steady_clock::time_point start;
    std::uint32_t chains = 1;
  };

  /// Creates every chain's .npy and evaluator.
  static expected<std::unique_ptr<collector_sink>> create(const context& ctx);

  expected<void> on_draw(const protocols::draw& d) override;
  expected<void> on_finish(const actors::run_summary& s) override;
  void on_error(const error& e) override;

  /// Per-chain accounts, after on_finish or on_error.
  const std::vector<chain_summary>& chains() const { return summaries_; }

 private:
  struct chain_out {
    std::optional<npy_writer> npy;
    std::unique_ptr<evaluator> eval;
    std::unique_ptr<eval_worker> worker;  // after eval: stops before eval goes
    std::uint64_t next_eval = 0;          ///< record at the first draw with step >= this
    std::uint64_t last_step = 0;          ///< step of the last draw
    bool last_recorded = false;
    double last_potential = 0.0;
  };

  explicit collector_sink(const context& ctx) : ctx_(ctx) {}
  void record(std::uint32_t chain, bool theta_is_draw, std::span<const float> theta);
  expected<void> finish_all();

  context ctx_;
  std::vector<chain_out> out_;
  std::vector<chain_summary> summaries_;
  std::vector<std::vector<float>> last_draw_;
};

}  // namespace sgmc::tools::detail
