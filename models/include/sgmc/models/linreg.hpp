#pragma once
// Bayesian linear regression (no bias term: append a column of ones to the data for one):
//   y_i | x_i, θ ~ N(x_iᵀθ, 1/τ),   θ ~ N(0, I/λ),   τ = noise_precision, λ = prior_precision
//   Û(θ)  = ½λ‖θ‖² − (d/2) log(λ/2π) + (N/n) Σ_{i∈B} [½τ (y_i − x_iᵀθ)² − ½ log(τ/2π)]
//   ∇Û(θ) = λθ − (N/n) τ Σ_{i∈B} (y_i − x_iᵀθ) x_i
// θ layout: θ[j] is the weight of feature j; dim() = features.
// The posterior is Gaussian and known exactly (linreg_posterior), which makes this the
// statistical test problem with data for the samplers.

#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"

#include <Eigen/Core>

#include <memory>

namespace sgmc::models {

/// Mean and covariance of a Gaussian, in double.
struct gaussian_moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

/// The exact posterior of `linreg` on `train` (all rows), computed in double:
///   Σ_post = (λ I + τ XᵀX)⁻¹,   μ_post = τ Σ_post Xᵀ y.
gaussian_moments linreg_posterior(const dataset& train, double prior_precision,
                                  double noise_precision);

class linreg final : public model {
 public:
  /// Errors: a classification or empty data set, non-positive or non-finite precisions
  /// (naming model.prior_precision / model.noise_precision).
  static expected<std::unique_ptr<linreg>> create(std::shared_ptr<const dataset> train,
                                                  double prior_precision, double noise_precision);

  double prior_precision() const { return prior_precision_; }
  double noise_precision() const { return noise_precision_; }
  const dataset& train() const { return *train_; }

  std::string name() const override { return "linreg"; }
  std::size_t dim() const override { return train_->features(); }
  std::size_t data_size() const override { return train_->size(); }
  task kind() const override { return task::regression; }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override;
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override;
  /// loglik_i = −½τ (y_i − x_iᵀθ)² + ½ log(τ/2π); probs is left alone.
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override;
  /// θ ~ N(0, 0.01² I) from {key, stream = init}.
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;

 private:
  linreg(std::shared_ptr<const dataset> train, double prior_precision, double noise_precision)
      : train_(std::move(train)),
        prior_precision_(prior_precision),
        noise_precision_(noise_precision) {}

  std::shared_ptr<const dataset> train_;
  double prior_precision_;
  double noise_precision_;
};

}  // namespace sgmc::models
