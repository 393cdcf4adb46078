#pragma once
// Checks of draws against what is known about the posterior or the test set.
//
// Classifiers, from the posterior-predictive class probabilities p̄ [n, K] (the average of
// p(y | x_i, θ_s) over the draws) and the labels y [n]:
//   accuracy  (1/n) Σ_i [argmax_k p̄_ik = y_i]
//   nll       −(1/n) Σ_i log p̄_{i, y_i}
//   ece       Σ_b (n_b / n) |acc_b − conf_b|, the expected calibration error over `bins`
//             equal-width bins (b/B, (b+1)/B] of the confidence c_i = max_k p̄_ik (a confidence
//             of 0 falls in the first bin); acc_b and conf_b the accuracy and mean confidence
//             of the n_b examples in bin b (Guo, Pleiss, Sun, Weinberger 2017)
// Models with an exact Gaussian posterior N(μ, Σ), from draws θ_s (rows of [S, d]):
//   mean_error      ‖m̂ − μ‖₂, m̂ the mean of the draws
//   mean_error_sd   max_j |m̂_j − μ_j| / sqrt(Σ_jj), the worst error in posterior sds
//   cov_error       ‖Σ̂ − Σ‖_F / ‖Σ‖_F, Σ̂ the sample covariance (ddof 1)
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/linreg.hpp"

#include <Eigen/Core>

#include <cstddef>

namespace sgmc::tools {

inline constexpr std::size_t k_ece_bins = 15;

struct classifier_scores {
  double accuracy = 0;
  double nll = 0;
  double ece = 0;
};

/// Requires probs.rows() == labels.size() > 0 and every label in 0 .. probs.cols() − 1.
classifier_scores score_classifier(const models::row_matrix& probs, const Eigen::VectorXf& labels,
                                   std::size_t bins = k_ece_bins);

struct moment_errors {
  double mean_error = 0;
  double mean_error_sd = 0;
  double cov_error = 0;
};

/// draws [S, d] with S >= 2, d = exact.mean.size().
moment_errors compare_moments(const Eigen::MatrixXd& draws, const models::gaussian_moments& exact);

}  // namespace sgmc::tools
