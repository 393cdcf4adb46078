#include "sgmc/models/factory.hpp"

#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/logreg.hpp"
#include "sgmc/models/mixture.hpp"
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

// Rows of equal length into a [rows, cols] matrix, or an error naming `key`.
expected<Eigen::MatrixXd> to_matrix(const std::vector<std::vector<double>>& rows, const char* key) {
  const std::size_t cols = rows.empty() ? 0 : rows[0].size();
  Eigen::MatrixXd m(rows.size(), cols);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != cols)
      return make_error(
          errc::dimension_mismatch,
          fmt::format("{}: row {} has {} entries but row 0 has {}", key, i, rows[i].size(), cols));
    for (std::size_t j = 0; j < cols; ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  }
  return m;
}

expected<std::unique_ptr<model>> make_mixture(const model_params& p) {
  if (p.means.empty())
    return make_error(errc::invalid_config,
                      "model.means: empty; the mixture target needs one mean per component");
  auto means = to_matrix(p.means, "model.means");
  if (!means) return unexpected(means.error());
  const auto K = means->rows(), d = means->cols();
  // weights: default equal; variances: default 1, a row of one entry is isotropic.
  const Eigen::VectorXd w = p.weights.empty() ? Eigen::VectorXd::Ones(K) : to_vector(p.weights);
  Eigen::MatrixXd var = Eigen::MatrixXd::Ones(K, d);
  if (!p.variances.empty()) {
    if (static_cast<Eigen::Index>(p.variances.size()) != K)
      return make_error(errc::dimension_mismatch,
                        fmt::format("model.variances: has {} rows but model.means has {} "
                                    "(one row per component)",
                                    p.variances.size(), K));
    for (Eigen::Index k = 0; k < K; ++k) {
      const auto& row = p.variances[static_cast<std::size_t>(k)];
      if (row.size() == 1)
        var.row(k).setConstant(row[0]);
      else if (static_cast<Eigen::Index>(row.size()) == d)
        var.row(k) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), d);
      else
        return make_error(errc::dimension_mismatch,
                          fmt::format("model.variances: row {} has {} entries; give 1 "
                                      "(isotropic) or {} (the means' dimension)",
                                      k, row.size(), d));
    }
  }
  return upcast(mixture::create(w, *means, var, p.grad_noise, p.init_component));
}

}  // namespace

expected<std::unique_ptr<model>> make_model(const model_params& params,
                                            std::shared_ptr<const dataset> train) {
  switch (params.kind) {
    case model_kind::gaussian:
      return make_gaussian(params);
    case model_kind::mixture:
      return make_mixture(params);
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
  if (params.kind == model_kind::mixture) return make_mixture(params);
  return make_model(params, std::make_shared<const dataset>(data.train));
}

}  // namespace sgmc::models
