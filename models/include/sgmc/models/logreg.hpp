#pragma once
// Binary logistic regression, labels y ∈ {0, 1}:
//   p(y = 1 | x, θ) = σ(z),  z = xᵀw + b,  θ ~ N(0, I/λ) (weights and bias alike)
//   log p(y | x, θ) = y z − softplus(z),   softplus(z) = log(1 + e^z)
//   Û(θ)  = ½λ‖θ‖² − (d/2) log(λ/2π) − (N/n) Σ_{i∈B} log p(y_i | x_i, θ)
//   ∇Û(θ) = λθ − (N/n) Σ_{i∈B} (y_i − σ(z_i)) [x_i; 1]
// θ layout: θ[0..features) = w, θ[features] = b; dim() = features + 1.

#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"

#include <memory>

namespace sgmc::models {

class logreg final : public model {
 public:
  /// Errors: data that is not 2-class, an empty data set, non-positive model.prior_precision.
  static expected<std::unique_ptr<logreg>> create(std::shared_ptr<const dataset> train,
                                                  double prior_precision);

  double prior_precision() const { return prior_precision_; }

  std::string name() const override { return "logreg"; }
  std::size_t dim() const override { return train_->features() + 1; }
  std::size_t data_size() const override { return train_->size(); }
  task kind() const override { return task::classification; }
  std::size_t classes() const override { return 2; }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override;
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override;
  /// loglik_i = log p(y_i | x_i, θ); probs row i = [1 − σ(z_i), σ(z_i)].
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override;
  /// θ ~ N(0, 0.01² I) from {key, stream = init}.
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;

 private:
  logreg(std::shared_ptr<const dataset> train, double prior_precision)
      : train_(std::move(train)), prior_precision_(prior_precision) {}

  std::shared_ptr<const dataset> train_;
  double prior_precision_;
};

}  // namespace sgmc::models
