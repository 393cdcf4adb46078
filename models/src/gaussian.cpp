#include "sgmc/models/gaussian.hpp"

#include "common.hpp"

#include <fmt/format.h>
#include <Eigen/Cholesky>

#include <cmath>

namespace sgmc::models {
namespace {

struct gaussian_workspace final : workspace {
  Eigen::VectorXf delta;
};

expected<void> check_common(const Eigen::VectorXd& mean, double grad_noise) {
  if (mean.size() == 0)
    return make_error(errc::invalid_config, "model.mean: empty; the gaussian target needs a mean");
  if (!mean.allFinite())
    return make_error(errc::invalid_config, "model.mean: contains a non-finite value");
  if (!std::isfinite(grad_noise) || grad_noise < 0)
    return make_error(errc::invalid_config,
                      fmt::format("model.grad_noise: {} must be finite and >= 0", grad_noise));
  return {};
}

// Σ must be square d x d, finite and symmetric up to rounding.
expected<void> check_covariance(const Eigen::MatrixXd& cov, Eigen::Index d) {
  if (cov.rows() != d || cov.cols() != d)
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.covariance: is {}x{} but model.mean has {} entries",
                                  cov.rows(), cov.cols(), d));
  if (!cov.allFinite())
    return make_error(errc::invalid_config, "model.covariance: contains a non-finite value");
  const double tol = 1e-9 * cov.cwiseAbs().maxCoeff();
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < i; ++j)
      if (std::abs(cov(i, j) - cov(j, i)) > tol)
        return make_error(errc::invalid_config,
                          fmt::format("model.covariance: not symmetric ([{}][{}] = {} but "
                                      "[{}][{}] = {})",
                                      i, j, cov(i, j), j, i, cov(j, i)));
  return {};
}

}  // namespace

expected<std::unique_ptr<gaussian>> gaussian::dense(const Eigen::VectorXd& mean,
                                                    const Eigen::MatrixXd& covariance,
                                                    double grad_noise) {
  if (auto ok = check_common(mean, grad_noise); !ok) return unexpected(ok.error());
  if (auto ok = check_covariance(covariance, mean.size()); !ok) return unexpected(ok.error());
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success)
    return make_error(errc::invalid_config, "model.covariance: not positive definite");
  std::unique_ptr<gaussian> g(new gaussian());
  g->diagonal_ = false;
  g->grad_noise_ = grad_noise;
  g->mean_d_ = mean;
  g->cov_d_ = covariance;
  g->var_d_ = covariance.diagonal();
  g->mean_ = mean.cast<float>();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(mean.size(), mean.size());
  const Eigen::MatrixXd precision = llt.solve(identity);
  g->precision_ = (0.5 * (precision + precision.transpose())).cast<float>();
  g->chol_ = llt.matrixL().toDenseMatrix().cast<float>();
  return g;
}

expected<std::unique_ptr<gaussian>> gaussian::diagonal(const Eigen::VectorXd& mean,
                                                       const Eigen::VectorXd& variance,
                                                       double grad_noise) {
  if (auto ok = check_common(mean, grad_noise); !ok) return unexpected(ok.error());
  if (variance.size() != mean.size())
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.variance: has {} entries but model.mean has {}",
                                  variance.size(), mean.size()));
  for (Eigen::Index i = 0; i < variance.size(); ++i)
    if (!std::isfinite(variance[i]) || variance[i] <= 0)
      return make_error(
          errc::invalid_config,
          fmt::format("model.variance: entry {} is {}, must be positive", i, variance[i]));
  std::unique_ptr<gaussian> g(new gaussian());
  g->diagonal_ = true;
  g->grad_noise_ = grad_noise;
  g->mean_d_ = mean;
  g->var_d_ = variance;
  g->mean_ = mean.cast<float>();
  g->inv_var_ = variance.cwiseInverse().cast<float>();
  g->std_ = variance.cwiseSqrt().cast<float>();
  return g;
}

Eigen::MatrixXd gaussian::covariance() const {
  if (diagonal_) return var_d_.asDiagonal();
  return cov_d_;
}

std::unique_ptr<workspace> gaussian::make_workspace(std::size_t, std::size_t) const {
  auto ws = std::make_unique<gaussian_workspace>();
  ws->delta.resize(mean_.size());
  return ws;
}

double gaussian::potential_and_grad(std::span<const float> theta, const batch& b,
                                    std::span<float> grad, workspace& ws) const {
  SGMC_ASSERT(theta.size() == dim() && grad.size() == dim(), "theta/grad length != dim()");
  auto& w = detail::workspace_cast<gaussian_workspace>(ws);
  auto g = detail::as_vec(grad);
  w.delta = detail::as_vec(theta) - mean_;
  if (diagonal_)
    g = inv_var_.cwiseProduct(w.delta);
  else
    g.noalias() = precision_ * w.delta;
  const double u = 0.5 * static_cast<double>(w.delta.dot(g));
  if (b.noise && grad_noise_ > 0) {
    core::rng_key key = b.noise_key;
    key.stream = core::rng_stream::grad_noise;
    // delta is free now: reuse it for ξ.
    core::fill_normal(key, 0, std::span<float>(w.delta.data(), dim()));
    g += static_cast<float>(grad_noise_) * w.delta;
  }
  return u;
}

void gaussian::predict(std::span<const float>, const dataset&, Eigen::VectorXf&, row_matrix*,
                       workspace&) const {}

void gaussian::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  core::rng_key k = key;
  k.stream = core::rng_stream::init;
  Eigen::VectorXf xi(mean_.size());
  core::fill_normal(k, 0, std::span<float>(xi.data(), dim()));
  auto t = detail::as_vec(theta);
  if (diagonal_)
    t = mean_ + std_.cwiseProduct(xi);
  else
    t = mean_ + chol_ * xi;
}

}  // namespace sgmc::models
