// Classification: accuracy and NLL of θ, and of the posterior predictive average
//   p̄(y|x) = (1/S) Σ_s p(y|x, θ_s)  (class probabilities averaged over draws).
#include "evaluators.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sgmc::engine::detail {
namespace {

/// Keeps log p̄ finite when every draw gave a class probability that underflowed to 0.
constexpr double k_min_prob = 1e-300;

class classification_evaluator final : public evaluator {
 public:
  classification_evaluator(const models::model& m, const models::dataset& test)
      : model_(m), test_(test), ws_(m.make_workspace(1, 1000)) {
    const auto n = static_cast<Eigen::Index>(test.size());
    const auto k = static_cast<Eigen::Index>(m.classes());
    sum_probs_ = Eigen::MatrixXd::Zero(n, k);
    labels_.resize(test.size());
    for (Eigen::Index i = 0; i < n; ++i)
      labels_[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(test.y[i]);
  }

  void add_draw(std::span<const float> theta) override {
    last_ = predict(theta);
    sum_probs_ += probs_.cast<double>();
    ++draws_;
  }

  metric_list evaluate(std::span<const float> theta, bool theta_is_last_draw) override {
    const auto point = theta_is_last_draw && draws_ > 0 ? last_ : predict(theta);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double pred_acc = nan, pred_nll = nan;
    if (draws_ > 0) predictive(pred_acc, pred_nll);
    return {{"accuracy", point.accuracy},
            {"nll", point.nll},
            {"pred_accuracy", pred_acc},
            {"pred_nll", pred_nll}};
  }

  headline_metric headline() const override { return {"pred_accuracy", "acc"}; }

  double headline_value() const override {
    double acc = std::numeric_limits<double>::quiet_NaN(), nll = acc;
    if (draws_ > 0) predictive(acc, nll);
    return acc;
  }

 private:
  struct point_metrics {
    double accuracy = 0.0;
    double nll = 0.0;
  };

  point_metrics predict(std::span<const float> theta) {
    model_.predict(theta, test_, loglik_, &probs_, *ws_);
    std::size_t correct = 0;
    for (Eigen::Index i = 0; i < probs_.rows(); ++i) {
      Eigen::Index best = 0;
      probs_.row(i).maxCoeff(&best);
      correct += best == labels_[static_cast<std::size_t>(i)];
    }
    const double n = static_cast<double>(probs_.rows());
    return {static_cast<double>(correct) / n,
            -static_cast<double>(loglik_.cast<double>().sum()) / n};
  }

  void predictive(double& accuracy, double& nll) const {
    const double s = static_cast<double>(draws_);
    std::size_t correct = 0;
    double log_sum = 0.0;
    for (Eigen::Index i = 0; i < sum_probs_.rows(); ++i) {
      Eigen::Index best = 0;
      sum_probs_.row(i).maxCoeff(&best);
      const Eigen::Index y = labels_[static_cast<std::size_t>(i)];
      correct += best == y;
      log_sum += std::log(std::max(sum_probs_(i, y) / s, k_min_prob));
    }
    const double n = static_cast<double>(sum_probs_.rows());
    accuracy = static_cast<double>(correct) / n;
    nll = -log_sum / n;
  }

  const models::model& model_;
  const models::dataset& test_;
  std::unique_ptr<models::workspace> ws_;
  std::vector<Eigen::Index> labels_;
  Eigen::VectorXf loglik_;
  models::row_matrix probs_;
  Eigen::MatrixXd sum_probs_;
  point_metrics last_;
};

}  // namespace

std::unique_ptr<evaluator> make_classification_evaluator(const models::model& m,
                                                         const models::dataset& test) {
  return std::make_unique<classification_evaluator>(m, test);
}

}  // namespace sgmc::engine::detail
