#include "sgmc/models/mixture.hpp"

#include "common.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace sgmc::models {
namespace {

struct mixture_workspace final : workspace {
  Eigen::VectorXd theta, grad, log_terms;  // [d], [d], [K]
  Eigen::VectorXf noise;                   // [d]
};

expected<void> check_weights(const Eigen::VectorXd& weights) {
  if (weights.size() == 0)
    return make_error(errc::invalid_config,
                      "model.weights: empty; the mixture target needs one weight per component");
  for (Eigen::Index k = 0; k < weights.size(); ++k)
    if (!std::isfinite(weights[k]) || weights[k] <= 0)
      return make_error(
          errc::invalid_config,
          fmt::format("model.weights: entry {} is {}, must be positive", k, weights[k]));
  return {};
}

expected<void> check_shapes(const Eigen::VectorXd& weights, const Eigen::MatrixXd& means,
                            const Eigen::MatrixXd& variances) {
  if (means.rows() != weights.size())
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.means: has {} rows but model.weights has {} entries "
                                  "(one mean per component)",
                                  means.rows(), weights.size()));
  if (means.cols() == 0)
    return make_error(errc::invalid_config, "model.means: the rows are empty (no dimension)");
  if (!means.allFinite())
    return make_error(errc::invalid_config, "model.means: contains a non-finite value");
  if (variances.rows() != means.rows() || variances.cols() != means.cols())
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.variances: is {}x{} but model.means is {}x{}",
                                  variances.rows(), variances.cols(), means.rows(), means.cols()));
  for (Eigen::Index k = 0; k < variances.rows(); ++k)
    for (Eigen::Index i = 0; i < variances.cols(); ++i)
      if (!std::isfinite(variances(k, i)) || variances(k, i) <= 0)
        return make_error(errc::invalid_config,
                          fmt::format("model.variances: [{}][{}] is {}, must be positive", k, i,
                                      variances(k, i)));
  return {};
}

// log Σ_k exp(a_k), exact when one term dominates and finite whenever one term is.
double log_sum_exp(const Eigen::VectorXd& a) {
  const double top = a.maxCoeff();
  if (!std::isfinite(top)) return top;
  return top + std::log((a.array() - top).exp().sum());
}

}  // namespace

expected<std::unique_ptr<mixture>> mixture::create(const Eigen::VectorXd& weights,
                                                   const Eigen::MatrixXd& means,
                                                   const Eigen::MatrixXd& variances,
                                                   double grad_noise, int init_component) {
  if (auto ok = check_weights(weights); !ok) return unexpected(ok.error());
  if (auto ok = check_shapes(weights, means, variances); !ok) return unexpected(ok.error());
  if (!std::isfinite(grad_noise) || grad_noise < 0)
    return make_error(errc::invalid_config,
                      fmt::format("model.grad_noise: {} must be finite and >= 0", grad_noise));
  if (init_component < -1 || init_component >= weights.size())
    return make_error(errc::invalid_config,
                      fmt::format("model.init_component: {} must be -1 (a draw from the mixture) "
                                  "or a component 0 … {}",
                                  init_component, weights.size() - 1));
  std::unique_ptr<mixture> m(new mixture());
  m->grad_noise_ = grad_noise;
  m->init_component_ = init_component;
  m->weights_ = weights / weights.sum();
  m->means_ = means;
  m->var_ = variances;
  m->inv_var_ = variances.cwiseInverse();
  const double d = static_cast<double>(means.cols());
  m->log_norm_ = m->weights_.array().log() -
                 0.5 * (d * detail::kLog2Pi + variances.array().log().rowwise().sum());
  return m;
}

Eigen::VectorXd mixture::mean() const { return means_.transpose() * weights_; }

Eigen::MatrixXd mixture::covariance() const {
  const Eigen::VectorXd m = mean();
  Eigen::MatrixXd c = -m * m.transpose();
  for (Eigen::Index k = 0; k < means_.rows(); ++k) {
    const Eigen::VectorXd mu = means_.row(k).transpose();
    c += weights_[k] * (mu * mu.transpose());
    c.diagonal() += weights_[k] * var_.row(k).transpose();
  }
  return c;
}

double mixture::potential(const Eigen::VectorXd& theta) const {
  SGMC_ASSERT(static_cast<std::size_t>(theta.size()) == dim(), "theta length != dim()");
  Eigen::VectorXd a(means_.rows());
  for (Eigen::Index k = 0; k < means_.rows(); ++k)
    a[k] =
        log_norm_[k] -
        0.5 *
            ((theta.transpose() - means_.row(k)).array().square() * inv_var_.row(k).array()).sum();
  return -log_sum_exp(a);
}

std::unique_ptr<workspace> mixture::make_workspace(std::size_t, std::size_t) const {
  auto ws = std::make_unique<mixture_workspace>();
  ws->theta.resize(means_.cols());
  ws->grad.resize(means_.cols());
  ws->log_terms.resize(means_.rows());
  ws->noise.resize(means_.cols());
  return ws;
}

double mixture::potential_and_grad(std::span<const float> theta, const batch& b,
                                   std::span<float> grad, workspace& ws) const {
  SGMC_ASSERT(theta.size() == dim() && grad.size() == dim(), "theta/grad length != dim()");
  auto& w = detail::workspace_cast<mixture_workspace>(ws);
  w.theta = detail::as_vec(theta).cast<double>();
  const Eigen::Index K = means_.rows();
  for (Eigen::Index k = 0; k < K; ++k)
    w.log_terms[k] = log_norm_[k] - 0.5 * ((w.theta.transpose() - means_.row(k)).array().square() *
                                           inv_var_.row(k).array())
                                              .sum();
  const double log_p = log_sum_exp(w.log_terms);
  w.grad.setZero();
  if (std::isfinite(log_p))
    for (Eigen::Index k = 0; k < K; ++k) {
      const double r = std::exp(w.log_terms[k] - log_p);  // responsibility, in [0, 1]
      if (r > 0)
        w.grad.array() +=
            r * (w.theta.transpose() - means_.row(k)).array() * inv_var_.row(k).array();
    }
  else
    w.grad.setConstant(std::numeric_limits<double>::quiet_NaN());  // θ not finite
  auto g = detail::as_vec(grad);
  g = w.grad.cast<float>();
  if (b.noise && grad_noise_ > 0) {
    core::rng_key key = b.noise_key;
    key.stream = core::rng_stream::grad_noise;
    core::fill_normal(key, 0, std::span<float>(w.noise.data(), dim()));
    g += static_cast<float>(grad_noise_) * w.noise;
  }
  return -log_p;
}

void mixture::predict(std::span<const float>, const dataset&, Eigen::VectorXf&, row_matrix*,
                      workspace&) const {}

void mixture::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  Eigen::Index k = init_component_;
  if (k < 0) {
    core::rng_key pick = key;
    pick.stream = core::rng_stream::init;
    pick.step = key.step + 1;
    double u = core::philox_engine(pick).uniform();
    for (k = 0; k + 1 < weights_.size() && u >= weights_[k]; ++k) u -= weights_[k];
  }
  core::rng_key k_init = key;
  k_init.stream = core::rng_stream::init;
  Eigen::VectorXf xi(means_.cols());
  core::fill_normal(k_init, 0, std::span<float>(xi.data(), dim()));
  auto t = detail::as_vec(theta);
  t = (means_.row(k).transpose() +
       var_.row(k).transpose().cwiseSqrt().cwiseProduct(xi.cast<double>()))
          .cast<float>();
}

}  // namespace sgmc::models
