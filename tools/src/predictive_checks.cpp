#include "sgmc/tools/predictive_checks.hpp"

#include "sgmc/core/assert.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sgmc::tools {

classifier_scores score_classifier(const models::row_matrix& probs, const Eigen::VectorXf& labels,
                                   std::size_t bins) {
  const auto n = static_cast<std::size_t>(probs.rows());
  SGMC_ASSERT(n > 0 && n == static_cast<std::size_t>(labels.size()) && bins > 0,
              "probabilities and labels of the same, nonzero length");
  std::vector<double> bin_count(bins, 0.0), bin_correct(bins, 0.0), bin_conf(bins, 0.0);
  classifier_scores s;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = probs.row(static_cast<Eigen::Index>(i));
    Eigen::Index best = 0;
    const double conf = row.maxCoeff(&best);
    const auto label = static_cast<Eigen::Index>(labels[static_cast<Eigen::Index>(i)]);
    SGMC_ASSERT(label >= 0 && label < probs.cols(), "a label is a class index");
    const double correct = best == label ? 1.0 : 0.0;
    s.accuracy += correct;
    s.nll -= std::log(static_cast<double>(row[label]));
    const auto b = static_cast<std::size_t>(std::clamp(
        std::ceil(conf * static_cast<double>(bins)) - 1.0, 0.0, static_cast<double>(bins - 1)));
    bin_count[b] += 1;
    bin_correct[b] += correct;
    bin_conf[b] += conf;
  }
  for (std::size_t b = 0; b < bins; ++b)
    if (bin_count[b] > 0) s.ece += std::abs(bin_correct[b] - bin_conf[b]);
  const double dn = static_cast<double>(n);
  s.accuracy /= dn;
  s.nll /= dn;
  s.ece /= dn;  // Σ_b (n_b/n)|acc_b − conf_b| = (1/n) Σ_b |correct_b − Σ conf_b|
  return s;
}

moment_errors compare_moments(const Eigen::MatrixXd& draws, const models::gaussian_moments& exact) {
  SGMC_ASSERT(draws.rows() >= 2 && draws.cols() == exact.mean.size(),
              "at least 2 draws of the posterior's dim");
  const Eigen::VectorXd mean = draws.colwise().mean().transpose();
  const Eigen::MatrixXd centred = draws.rowwise() - mean.transpose();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(draws.rows() - 1);
  moment_errors e;
  const Eigen::VectorXd diff = mean - exact.mean;
  e.mean_error = diff.norm();
  e.mean_error_sd = (diff.array().abs() / exact.covariance.diagonal().array().sqrt()).maxCoeff();
  e.cov_error = (cov - exact.covariance).norm() / exact.covariance.norm();
  return e;
}

}  // namespace sgmc::tools
