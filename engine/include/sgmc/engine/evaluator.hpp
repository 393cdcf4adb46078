#pragma once
// Test-set metrics of one chain, for metrics.jsonl and the progress line.
//
// Each evaluation reports the chain's current θ and the posterior predictive average over the
// S draws so far (see docs/outputs.md for every field):
//   classification: p̄(y|x) = (1/S) Σ_s p(y|x, θ_s);  accuracy of argmax p̄, NLL −mean_i log
//   p̄(y_i|x_i) regression:     NLL −mean_i log((1/S) Σ_s p(y_i|x_i, θ_s)) by log-sum-exp; for
//   linreg also
//                   the RMSE of the mean prediction (1/S) Σ_s x_iᵀθ_s
//   gaussian:       ‖mean of draws − μ‖ and ‖var of draws − diag Σ‖ / ‖diag Σ‖
// Draws are added one by one (add_draw); nothing here runs on every sampler step.

#include "sgmc/models/dataset.hpp"
#include "sgmc/models/model.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sgmc::engine {

using metric_list = std::vector<std::pair<std::string, double>>;

/// The metric shown on the progress line, and how it is labelled there.
struct headline_metric {
  std::string_view metric;  ///< name in the metric_list, e.g. "pred_accuracy"
  std::string_view label;   ///< short label, e.g. "acc"
};

class evaluator {
 public:
  virtual ~evaluator() = default;

  /// Adds θ as a draw to the posterior predictive average.
  virtual void add_draw(std::span<const float> theta) = 0;
  /// Metrics of the current θ and of the predictive average. `theta_is_last_draw`: θ is the
  /// draw just given to add_draw, whose predictions are then reused instead of recomputed.
  virtual metric_list evaluate(std::span<const float> theta, bool theta_is_last_draw) = 0;
  virtual headline_metric headline() const = 0;
  /// The headline metric of the predictive average over the draws so far (NaN before the
  /// first draw). Cheap: no predictions, only the running sums.
  virtual double headline_value() const = 0;

  std::size_t draws() const { return draws_; }

  /// The evaluator that fits the model: classification or regression on `test` (nothing when
  /// test is empty), moments for a gaussian target. `m` and `test` must outlive it.
  static std::unique_ptr<evaluator> make(const models::model& m, const models::dataset& test);

 protected:
  std::size_t draws_ = 0;
};

}  // namespace sgmc::engine
