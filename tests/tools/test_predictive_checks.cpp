// Posterior-predictive scores and the expected calibration error (tools/predictive_checks.hpp)
// on constructed cases whose answers are worked out by hand.
#include "sgmc/tools/predictive_checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>

namespace {

constexpr double k_float_tol = 1e-6;  // probabilities are float

}  // namespace

TEST_CASE("ECE, accuracy and NLL of a constructed classifier equal the hand-computed values",
          "[predictive]") {
  sgmc::models::row_matrix probs(4, 2);
  probs << 0.9f, 0.1f,  // label 0: right, confidence 0.9 (bin 14 of 15: (13/15, 14/15])
      0.9f, 0.1f,       // label 1: wrong, confidence 0.9
      0.3f, 0.7f,       // label 1: right, confidence 0.7 (bin 11: (10/15, 11/15])
      0.3f, 0.7f;       // label 1: right
  Eigen::VectorXf labels(4);
  labels << 0, 1, 1, 1;
  const auto s = sgmc::tools::score_classifier(probs, labels);
  CHECK(s.accuracy == Approx(0.75));
  // bin 0.9: 2 examples, accuracy 0.5, confidence 0.9; bin 0.7: 2 examples, accuracy 1.
  CHECK(s.ece == Approx(0.5 * 0.4 + 0.5 * 0.3).margin(k_float_tol));
  CHECK(s.nll ==
        Approx(-(std::log(0.9) + std::log(0.1) + 2 * std::log(0.7)) / 4).margin(k_float_tol));
}

TEST_CASE("a calibrated classifier has ECE 0 and an overconfident one its gap", "[predictive]") {
  sgmc::models::row_matrix probs(10, 3);
  Eigen::VectorXf labels(10);
  for (int i = 0; i < 10; ++i) {
    probs.row(i) << 0.8f, 0.1f, 0.1f;
    labels[i] = i < 8 ? 0.0f : 2.0f;  // 8 of 10 right at confidence 0.8
  }
  CHECK(sgmc::tools::score_classifier(probs, labels).ece == Approx(0.0).margin(k_float_tol));
  for (int i = 0; i < 10; ++i) labels[i] = i < 5 ? 0.0f : 1.0f;  // 5 of 10 right
  CHECK(sgmc::tools::score_classifier(probs, labels).ece == Approx(0.3).margin(k_float_tol));
  // With one bin, ECE is |accuracy − mean confidence| whatever the confidences.
  CHECK(sgmc::tools::score_classifier(probs, labels, 1).ece == Approx(0.3).margin(k_float_tol));
}

TEST_CASE("moment errors against an exact Gaussian are zero for matching draws", "[predictive]") {
  Eigen::MatrixXd draws(4, 2);
  draws << 1, 0, -1, 0, 0, 1, 0, -1;  // mean 0, sample covariance diag(2/3, 2/3)
  sgmc::models::gaussian_moments exact{Eigen::VectorXd::Zero(2),
                                       Eigen::MatrixXd::Identity(2, 2) * (2.0 / 3.0)};
  auto e = sgmc::tools::compare_moments(draws, exact);
  CHECK(e.mean_error == Approx(0.0).margin(1e-12));
  CHECK(e.cov_error == Approx(0.0).margin(1e-12));
  exact.mean << 0.3, -0.4;
  exact.covariance *= 2.0;
  e = sgmc::tools::compare_moments(draws, exact);
  CHECK(e.mean_error == Approx(0.5));
  CHECK(e.mean_error_sd == Approx(0.4 / std::sqrt(4.0 / 3.0)));
  CHECK(e.cov_error == Approx(0.5));
}
