// A gaussian target N(μ, Σ): running moments of the draws (Welford), compared with the known
// ones, so that users see the chain converge:
//   mean_error = ‖mean of draws − μ‖₂
//   var_error  = ‖var of draws − diag Σ‖₂ / ‖diag Σ‖₂   (needs 2 draws)
//   dist       = ‖θ − μ‖₂ of the current θ
#include "evaluators.hpp"

#include <Eigen/Core>

#include <cmath>
#include <limits>

namespace sgmc::engine::detail {
namespace {

class moments_evaluator final : public evaluator {
 public:
  explicit moments_evaluator(const models::gaussian& target)
      : mu_(target.mean()),
        var_(target.variance()),
        mean_(Eigen::VectorXd::Zero(mu_.size())),
        m2_(Eigen::VectorXd::Zero(mu_.size())) {}

  void add_draw(std::span<const float> theta) override {
    ++draws_;
    const Eigen::VectorXd x = as_vector(theta);
    const Eigen::VectorXd delta = x - mean_;
    mean_ += delta / static_cast<double>(draws_);
    m2_ += delta.cwiseProduct(x - mean_);
  }

  metric_list evaluate(std::span<const float> theta, bool) override {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double mean_error = draws_ > 0 ? (mean_ - mu_).norm() : nan;
    double var_error = nan;
    if (draws_ > 1) {
      const Eigen::VectorXd var = m2_ / static_cast<double>(draws_ - 1);
      var_error = (var - var_).norm() / var_.norm();
    }
    return {{"mean_error", mean_error},
            {"var_error", var_error},
            {"dist", (as_vector(theta) - mu_).norm()}};
  }

  headline_metric headline() const override { return {"mean_error", "mean_err"}; }

  double headline_value() const override {
    return draws_ > 0 ? (mean_ - mu_).norm() : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  static Eigen::VectorXd as_vector(std::span<const float> theta) {
    return Eigen::Map<const Eigen::VectorXf>(theta.data(), static_cast<Eigen::Index>(theta.size()))
        .cast<double>();
  }

  Eigen::VectorXd mu_, var_, mean_, m2_;
};

}  // namespace

std::unique_ptr<evaluator> make_moments_evaluator(const models::gaussian& target) {
  return std::make_unique<moments_evaluator>(target);
}

}  // namespace sgmc::engine::detail
