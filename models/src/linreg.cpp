#include "sgmc/models/linreg.hpp"

#include "common.hpp"
#include "init.hpp"

#include <fmt/format.h>
#include <Eigen/Cholesky>

#include <cmath>
#include <numbers>

namespace sgmc::models {
namespace {

// Linear models read rows in place: no scratch needed beyond the recorded limits.
struct linreg_workspace final : workspace {
  std::size_t max_batch = 0;
};

expected<void> check_precision(const char* key, double value) {
  if (!std::isfinite(value) || value <= 0)
    return make_error(errc::invalid_config, fmt::format("{}: {} must be positive", key, value));
  return {};
}

}  // namespace

gaussian_moments linreg_posterior(const dataset& train, double prior_precision,
                                  double noise_precision) {
  const Eigen::MatrixXd x = train.x.cast<double>();
  const Eigen::VectorXd y = train.y.cast<double>();
  Eigen::MatrixXd a = noise_precision * (x.transpose() * x);
  a.diagonal().array() += prior_precision;
  const Eigen::LLT<Eigen::MatrixXd> llt(a);
  gaussian_moments out;
  out.covariance = llt.solve(Eigen::MatrixXd::Identity(a.rows(), a.cols()));
  out.mean = llt.solve(noise_precision * (x.transpose() * y));
  return out;
}

expected<std::unique_ptr<linreg>> linreg::create(std::shared_ptr<const dataset> train,
                                                 double prior_precision, double noise_precision) {
  if (auto ok = check_precision("model.prior_precision", prior_precision); !ok)
    return unexpected(ok.error());
  if (auto ok = check_precision("model.noise_precision", noise_precision); !ok)
    return unexpected(ok.error());
  if (!train || train->size() == 0 || train->features() == 0)
    return make_error(errc::invalid_config, "model.kind: linreg needs a non-empty training set");
  if (train->classes != 0)
    return make_error(errc::invalid_config,
                      fmt::format("model.kind: linreg needs regression data but {} has {} "
                                  "classes (set data.classes = 0)",
                                  train->source, train->classes));
  return std::unique_ptr<linreg>(new linreg(std::move(train), prior_precision, noise_precision));
}

std::unique_ptr<workspace> linreg::make_workspace(std::size_t max_batch, std::size_t) const {
  auto ws = std::make_unique<linreg_workspace>();
  ws->max_batch = max_batch;
  return ws;
}

double linreg::potential_and_grad(std::span<const float> theta, const batch& b,
                                  std::span<float> grad, workspace& ws) const {
  SGMC_ASSERT(theta.size() == dim() && grad.size() == dim(), "theta/grad length != dim()");
  const auto& w = detail::workspace_cast<linreg_workspace>(ws);
  detail::check_batch(b, w.max_batch, data_size());
  const auto t = detail::as_vec(theta);
  auto g = detail::as_vec(grad);
  const double lambda = prior_precision_, tau = noise_precision_;
  const double d = static_cast<double>(dim());
  const double scale = static_cast<double>(data_size()) / static_cast<double>(b.indices.size());
  double u = 0.5 * lambda * static_cast<double>(t.squaredNorm()) -
             0.5 * d * std::log(lambda / (2 * std::numbers::pi));
  g = static_cast<float>(lambda) * t;
  double sq = 0;
  const float c = static_cast<float>(-scale * tau);
  for (const auto i : b.indices) {
    const auto xi = train_->x.row(i);
    const float r = train_->y[i] - xi.dot(t.transpose());
    sq += static_cast<double>(r) * r;
    g.noalias() += (c * r) * xi.transpose();
  }
  const double n = static_cast<double>(b.indices.size());
  u += scale * (0.5 * tau * sq - 0.5 * n * std::log(tau / (2 * std::numbers::pi)));
  return u;
}

void linreg::predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
                     row_matrix*, workspace&) const {
  SGMC_ASSERT(theta.size() == dim() && data.features() == dim(), "features != dim()");
  const auto t = detail::as_vec(theta);
  loglik.resize(static_cast<Eigen::Index>(data.size()));
  const float tau = static_cast<float>(noise_precision_);
  const float c = static_cast<float>(0.5 * std::log(noise_precision_ / (2 * std::numbers::pi)));
  const Eigen::VectorXf r = data.y - data.x * t;
  loglik = c - 0.5f * tau * r.array().square();
}

void linreg::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  detail::small_normal_init(key, detail::kLinearInitStd, theta);
}

}  // namespace sgmc::models
