#pragma once
// A Gaussian target N(μ, Σ) without data, the test problem with known moments:
//   U(θ)  = ½ (θ−μ)ᵀ Σ⁻¹ (θ−μ)            (the constant ½ log|2πΣ| is left out)
//   ∇Û(θ) = Σ⁻¹ (θ−μ) + s·ξ,   ξ ~ N(0, I)
// where s = grad_noise is optional synthetic gradient noise; ξ is drawn with
// core::fill_normal({b.noise_key, stream = grad_noise}, 0, ·), so two calls with the same key see
// the same noise. Û(θ) = U(θ) (the noise is on the gradient only); b.noise == false turns it off.
// θ layout: θ[i] is coordinate i; dim() = mean.size(); data_size() = 0, batch indices are ignored.
// Σ⁻¹ is precomputed once (dense: from a Cholesky factorisation Σ = L Lᵀ, which also fails when
// Σ is not positive definite; diagonal: 1/variance). Arithmetic is in float.

#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"

#include <Eigen/Core>

#include <memory>

namespace sgmc::models {

class gaussian final : public model {
 public:
  /// Dense covariance [d, d]; errors (naming model.mean / model.covariance / model.grad_noise)
  /// when shapes disagree, values are not finite, Σ is not symmetric or not positive definite.
  static expected<std::unique_ptr<gaussian>> dense(const Eigen::VectorXd& mean,
                                                   const Eigen::MatrixXd& covariance,
                                                   double grad_noise = 0.0);
  /// Diagonal covariance diag(variance); every variance must be positive.
  static expected<std::unique_ptr<gaussian>> diagonal(const Eigen::VectorXd& mean,
                                                      const Eigen::VectorXd& variance,
                                                      double grad_noise = 0.0);

  bool is_diagonal() const { return diagonal_; }
  const Eigen::VectorXd& mean() const { return mean_d_; }
  /// Σ as a dense d×d matrix (the diagonal case expanded on each call: O(d²) memory).
  Eigen::MatrixXd covariance() const;
  /// The marginal variances, diag(Σ) (O(d): what the diagonal case stores).
  const Eigen::VectorXd& variance() const { return var_d_; }
  double grad_noise() const { return grad_noise_; }

  std::string name() const override { return "gaussian"; }
  std::size_t dim() const override { return static_cast<std::size_t>(mean_.size()); }
  std::size_t data_size() const override { return 0; }
  task kind() const override { return task::none; }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override;
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override;
  /// Does nothing: the target has no data.
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override;
  /// An exact draw from the target: θ = μ + L ξ (L the Cholesky factor, or sqrt(variance)),
  /// ξ = fill_normal({key, stream = init}, 0, ·). Chains thus start in the typical set.
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;

 private:
  gaussian() = default;

  bool diagonal_ = true;
  double grad_noise_ = 0.0;
  Eigen::VectorXd mean_d_;
  Eigen::VectorXd var_d_;  // diag(Σ)
  Eigen::MatrixXd cov_d_;  // dense case only (empty when diagonal)
  Eigen::VectorXf mean_;
  Eigen::VectorXf inv_var_, std_;     // diagonal case
  Eigen::MatrixXf precision_, chol_;  // dense case: Σ⁻¹ and lower L with Σ = L Lᵀ
};

}  // namespace sgmc::models
