#pragma once
// Naive double-precision reference potentials, written from the formulas in the model headers
// and independent of the model code: the finite-difference tests differentiate these.

#include "sgmc/models/dataset.hpp"
#include "sgmc/models/mlp.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace sgmc::models::test::ref {

inline double log_prior(const Eigen::VectorXd& th, double lambda) {
  return -0.5 * lambda * th.squaredNorm() +
         0.5 * static_cast<double>(th.size()) * std::log(lambda / (2 * std::numbers::pi));
}

inline double gaussian_u(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                         const Eigen::VectorXd& th) {
  const Eigen::VectorXd d = th - mean;
  return 0.5 * d.dot(cov.inverse() * d);
}

inline double linreg_u(const dataset& data, const std::vector<std::uint32_t>& rows, double lambda,
                       double tau, const Eigen::VectorXd& th) {
  double ll = 0;
  for (const auto i : rows) {
    const double r = data.y[i] - data.x.row(i).cast<double>().dot(th.transpose());
    ll += -0.5 * tau * r * r + 0.5 * std::log(tau / (2 * std::numbers::pi));
  }
  return -log_prior(th, lambda) - static_cast<double>(data.size()) / rows.size() * ll;
}

inline double logreg_u(const dataset& data, const std::vector<std::uint32_t>& rows, double lambda,
                       const Eigen::VectorXd& th) {
  const Eigen::Index d = th.size() - 1;
  double ll = 0;
  for (const auto i : rows) {
    const double z = data.x.row(i).cast<double>().dot(th.head(d).transpose()) + th[d];
    const double p1 = 1 / (1 + std::exp(-z));
    ll += data.y[i] > 0.5 ? std::log(p1) : std::log(1 - p1);
  }
  return -log_prior(th, lambda) - static_cast<double>(data.size()) / rows.size() * ll;
}

/// log p(y | x) of an mlp, loops only, using the documented θ layout.
inline double mlp_loglik_row(const std::vector<std::size_t>& layers, activation act,
                             const Eigen::VectorXd& th, const Eigen::VectorXd& x, int y) {
  Eigen::VectorXd h = x;
  std::size_t off = 0;
  for (std::size_t l = 0; l + 1 < layers.size(); ++l) {
    const std::size_t din = layers[l], dout = layers[l + 1];
    Eigen::VectorXd z(static_cast<Eigen::Index>(dout));
    for (std::size_t j = 0; j < dout; ++j) {
      double s = th[static_cast<Eigen::Index>(off + din * dout + j)];  // bias
      for (std::size_t i = 0; i < din; ++i)
        s += h[static_cast<Eigen::Index>(i)] * th[static_cast<Eigen::Index>(off + i * dout + j)];
      const bool last = l + 2 == layers.size();
      z[static_cast<Eigen::Index>(j)] =
          last ? s : (act == activation::relu ? std::max(0.0, s) : std::tanh(s));
    }
    off += din * dout + dout;
    h = z;
  }
  const double mx = h.maxCoeff();
  return h[y] - mx - std::log((h.array() - mx).exp().sum());
}

inline double mlp_u(const dataset& data, const std::vector<std::uint32_t>& rows,
                    const std::vector<std::size_t>& layers, activation act, double lambda,
                    const Eigen::VectorXd& th) {
  double ll = 0;
  for (const auto i : rows)
    ll += mlp_loglik_row(layers, act, th, data.x.row(i).transpose().cast<double>(),
                         static_cast<int>(data.y[i]));
  return -log_prior(th, lambda) - static_cast<double>(data.size()) / rows.size() * ll;
}

}  // namespace sgmc::models::test::ref
