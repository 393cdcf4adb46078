#include "sgmc/models/logreg.hpp"

#include "common.hpp"
#include "init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace sgmc::models {
namespace {

struct logreg_workspace final : workspace {
  std::size_t max_batch = 0;
};

// log(1 + e^z) without overflow.
inline double softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

inline double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

}  // namespace

expected<std::unique_ptr<logreg>> logreg::create(std::shared_ptr<const dataset> train,
                                                 double prior_precision) {
  if (!std::isfinite(prior_precision) || prior_precision <= 0)
    return make_error(errc::invalid_config,
                      fmt::format("model.prior_precision: {} must be positive", prior_precision));
  if (!train || train->size() == 0 || train->features() == 0)
    return make_error(errc::invalid_config, "model.kind: logreg needs a non-empty training set");
  if (train->classes != 2)
    return make_error(errc::invalid_config,
                      fmt::format("model.kind: logreg needs 2-class data but {} has {} classes "
                                  "(set data.classes = 2, or use softmax)",
                                  train->source, train->classes));
  return std::unique_ptr<logreg>(new logreg(std::move(train), prior_precision));
}

std::unique_ptr<workspace> logreg::make_workspace(std::size_t max_batch, std::size_t) const {
  auto ws = std::make_unique<logreg_workspace>();
  ws->max_batch = max_batch;
  return ws;
}

double logreg::potential_and_grad(std::span<const float> theta, const batch& b,
                                  std::span<float> grad, workspace& ws) const {
  SGMC_ASSERT(theta.size() == dim() && grad.size() == dim(), "theta/grad length != dim()");
  const auto& w = detail::workspace_cast<logreg_workspace>(ws);
  detail::check_batch(b, w.max_batch, data_size());
  const auto d = static_cast<Eigen::Index>(train_->features());
  const auto t = detail::as_vec(theta);
  auto g = detail::as_vec(grad);
  const double lambda = prior_precision_;
  const double scale = static_cast<double>(data_size()) / static_cast<double>(b.indices.size());
  double u = 0.5 * lambda * static_cast<double>(t.squaredNorm()) -
             0.5 * static_cast<double>(dim()) * std::log(lambda / (2 * std::numbers::pi));
  g = static_cast<float>(lambda) * t;
  double loglik = 0;
  for (const auto i : b.indices) {
    const auto xi = train_->x.row(i);
    const double z = static_cast<double>(xi.dot(t.head(d).transpose()) + t[d]);
    const double y = train_->y[i];
    loglik += y * z - softplus(z);
    const auto c = static_cast<float>(-scale * (y - sigmoid(z)));
    g.head(d).noalias() += c * xi.transpose();
    g[d] += c;
  }
  return u - scale * loglik;
}

void logreg::predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
                     row_matrix* probs, workspace&) const {
  const auto d = static_cast<Eigen::Index>(train_->features());
  SGMC_ASSERT(theta.size() == dim() && data.features() == train_->features(), "features != dim()");
  const auto t = detail::as_vec(theta);
  const auto n = static_cast<Eigen::Index>(data.size());
  loglik.resize(n);
  if (probs != nullptr) probs->resize(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double z = static_cast<double>(data.x.row(i).dot(t.head(d).transpose()) + t[d]);
    loglik[i] = static_cast<float>(data.y[i] * z - softplus(z));
    if (probs != nullptr) {
      const double p = sigmoid(z);
      (*probs)(i, 0) = static_cast<float>(1 - p);
      (*probs)(i, 1) = static_cast<float>(p);
    }
  }
}

void logreg::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  detail::small_normal_init(key, detail::kLinearInitStd, theta);
}

}  // namespace sgmc::models
