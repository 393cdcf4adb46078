#include "sgmc/models/factory.hpp"

#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/logreg.hpp"
#include "sgmc/models/mlp.hpp"
#include "sgmc/models/softmax.hpp"

#include <fmt/format.h>

#include <iterator>

namespace sgmc::models {
namespace {

template <class T>
expected<std::unique_ptr<model>> upcast(expected<std::unique_ptr<T>> m) {
  if (!m) return unexpected(m.error());
  return std::unique_ptr<model>(std::move(*m));
}

Eigen::VectorXd to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

expected<std::unique_ptr<model>> make_gaussian(const model_params& p) {
  if (p.mean.empty())
    return make_error(errc::invalid_config, "model.mean: empty; the gaussian target needs a mean");
  if (!p.covariance.empty() && !p.variance.empty())
    return make_error(errc::invalid_config,
                      "model.covariance / model.variance: give one of them, not both");
  const Eigen::VectorXd mean = to_vector(p.mean);
  if (p.covariance.empty()) {
    // No covariance at all: unit variance.
    const Eigen::VectorXd var =
        p.variance.empty() ? Eigen::VectorXd::Ones(mean.size()) : to_vector(p.variance);
    return upcast(gaussian::diagonal(mean, var, p.grad_noise));
  }
  const std::size_t d = p.covariance.size();
  Eigen::MatrixXd cov(d, d);
  for (std::size_t i = 0; i < d; ++i) {
    if (p.covariance[i].size() != d)
      return make_error(errc::dimension_mismatch,
                        fmt::format("model.covariance: row {} has {} entries but there are {} "
                                    "rows",
                                    i, p.covariance[i].size(), d));
    for (std::size_t j = 0; j < d; ++j)
      cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = p.covariance[i][j];
  }
  return upcast(gaussian::dense(mean, cov, p.grad_noise));
}

}  // namespace

expected<std::unique_ptr<model>> make_model(const model_params& params,
                                            std::shared_ptr<const dataset> train) {
  switch (params.kind) {
    case model_kind::gaussian:
      return make_gaussian(params);
    case model_kind::linreg:
      return upcast(
          linreg::create(std::move(train), params.prior_precision, params.noise_precision));
    case model_kind::logreg:
      return upcast(logreg::create(std::move(train), params.prior_precision));
    case model_kind::softmax:
      return upcast(softmax::create(std::move(train), params.prior_precision));
    case model_kind::mlp:
      if (static_cast<std::size_t>(params.activation) >= std::size(activation_names))
        return make_error(errc::invalid_config, "model.activation: not a known activation");
      return upcast(
          mlp::create(std::move(train), params.layers, params.activation, params.prior_precision));
  }
  return make_error(errc::invalid_config, "model.kind: not a known kind");
}

expected<std::unique_ptr<model>> make_model(const model_params& params, const data_split& data) {
  if (params.kind == model_kind::gaussian) return make_gaussian(params);
  return make_model(params, std::make_shared<const dataset>(data.train));
}

}  // namespace sgmc::models
