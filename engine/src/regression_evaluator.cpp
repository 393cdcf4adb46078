// Regression: NLL of θ and the posterior predictive NLL
//   −(1/n) Σ_i log((1/S) Σ_s p(y_i|x_i, θ_s)),
// kept as a running log-sum-exp over draws per test row; for linreg also the RMSE of θ's
// prediction x_iᵀθ and of the mean prediction (1/S) Σ_s x_iᵀθ_s.
#include "evaluators.hpp"

#include <Eigen/Core>

#include <cmath>
#include <limits>

namespace sgmc::engine::detail {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

class regression_evaluator final : public evaluator {
 public:
  regression_evaluator(const models::model& m, const models::dataset& test,
                       const models::linreg* linear)
      : model_(m), test_(test), linear_(linear), ws_(m.make_workspace(1, 1000)) {
    const auto n = static_cast<Eigen::Index>(test.size());
    log_sum_ = Eigen::VectorXd::Constant(n, -std::numeric_limits<double>::infinity());
    if (linear_) sum_pred_ = Eigen::VectorXd::Zero(n);
  }

  void add_draw(std::span<const float> theta) override {
    last_ = predict(theta);
    for (Eigen::Index i = 0; i < log_sum_.size(); ++i) {
      const double a = log_sum_[i], b = loglik_[i];
      const double hi = std::max(a, b);
      log_sum_[i] = std::isinf(hi) ? b : hi + std::log1p(std::exp(std::min(a, b) - hi));
    }
    if (linear_) sum_pred_ += pred_.cast<double>();
    ++draws_;
  }

  metric_list evaluate(std::span<const float> theta, bool theta_is_last_draw) override {
    const auto point = theta_is_last_draw && draws_ > 0 ? last_ : predict(theta);
    metric_list out = {{"nll", point.nll}, {"pred_nll", predictive_nll()}};
    if (linear_) {
      out.emplace_back("rmse", point.rmse);
      out.emplace_back("pred_rmse", predictive_rmse());
    }
    return out;
  }

  double headline_value() const override { return linear_ ? predictive_rmse() : predictive_nll(); }

  headline_metric headline() const override {
    return linear_ ? headline_metric{"pred_rmse", "rmse"} : headline_metric{"pred_nll", "nll"};
  }

 private:
  struct point_metrics {
    double nll = k_nan;
    double rmse = k_nan;
  };

  double predictive_nll() const {
    if (draws_ == 0) return k_nan;
    const double n = static_cast<double>(log_sum_.size());
    return -(log_sum_.sum() - n * std::log(static_cast<double>(draws_))) / n;
  }

  double predictive_rmse() const {
    if (draws_ == 0 || !linear_) return k_nan;
    const double n = static_cast<double>(log_sum_.size());
    const Eigen::VectorXd mean = sum_pred_ / static_cast<double>(draws_);
    return std::sqrt((mean - test_.y.cast<double>()).squaredNorm() / n);
  }

  point_metrics predict(std::span<const float> theta) {
    model_.predict(theta, test_, loglik_, nullptr, *ws_);
    const double n = static_cast<double>(loglik_.size());
    point_metrics p;
    p.nll = -loglik_.cast<double>().sum() / n;
    if (linear_) {
      const Eigen::Map<const Eigen::VectorXf> t(theta.data(),
                                                static_cast<Eigen::Index>(theta.size()));
      pred_ = test_.x * t;
      p.rmse = std::sqrt((pred_ - test_.y).cast<double>().squaredNorm() / n);
    }
    return p;
  }

  const models::model& model_;
  const models::dataset& test_;
  const models::linreg* linear_;
  std::unique_ptr<models::workspace> ws_;
  Eigen::VectorXf loglik_, pred_;
  Eigen::VectorXd log_sum_, sum_pred_;
  point_metrics last_;
};

}  // namespace

std::unique_ptr<evaluator> make_regression_evaluator(const models::model& m,
                                                     const models::dataset& test,
                                                     const models::linreg* linear) {
  return std::make_unique<regression_evaluator>(m, test, linear);
}

}  // namespace sgmc::engine::detail
