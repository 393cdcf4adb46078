#pragma once
// Multinomial logistic regression with K classes (an mlp without hidden layers):
//   p(y = k | x, θ) = softmax(xᵀW + b)_k,   θ ~ N(0, I/λ) on W and b
//   Û(θ) = ½λ‖θ‖² − (D/2) log(λ/2π) − (N/n) Σ_{i∈B} log p(y_i | x_i, θ)
//   ∇_W Û = λW + Xᵀ (N/n)(P − Y),  ∇_b Û = λb + (N/n) Σ_i (p_i − y_i)   (Y one-hot)
// θ layout: W, features x K ROW-MAJOR (element (j, k) at j·K + k), then b (K) at features·K;
// dim() = (features + 1)·K. Computation, threading and determinism as in mlp.hpp.

#include "sgmc/core/error.hpp"
#include "sgmc/models/mlp.hpp"

#include <memory>

namespace sgmc::models {

class softmax final : public model {
 public:
  /// Errors: data that is not classification, an empty data set, non-positive
  /// model.prior_precision.
  static expected<std::unique_ptr<softmax>> create(std::shared_ptr<const dataset> train,
                                                   double prior_precision);

  double prior_precision() const { return impl_->prior_precision(); }

  std::string name() const override { return "softmax"; }
  std::size_t dim() const override { return impl_->dim(); }
  std::size_t data_size() const override { return impl_->data_size(); }
  task kind() const override { return task::classification; }
  std::size_t classes() const override { return impl_->classes(); }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override {
    return impl_->make_workspace(max_batch, max_predict);
  }
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override {
    return impl_->potential_and_grad(theta, b, grad, ws);
  }
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override {
    impl_->predict(theta, data, loglik, probs, ws);
  }
  /// θ ~ N(0, 0.01² I) from {key, stream = init}.
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;
  /// W [features, K], b [K].
  std::vector<param_block> param_layout() const override;

 private:
  explicit softmax(std::unique_ptr<mlp> impl) : impl_(std::move(impl)) {}
  std::unique_ptr<mlp> impl_;
};

}  // namespace sgmc::models
