#pragma once
// A Gaussian mixture target without data, the non-convex test problem with known mode masses:
//   p(θ)  = Σ_k w_k N(θ; μ_k, Σ_k),    Σ_k = diag(σ²_k)  (K components in d dimensions)
//   U(θ)  = −log p(θ)                    (normalised: ∫ exp(−U) dθ = 1, the constant is kept)
//   ∇Û(θ) = Σ_k r_k(θ) Σ_k⁻¹ (θ − μ_k) + s·ξ,   r_k(θ) = w_k N(θ; μ_k, Σ_k) / p(θ)
// The log-densities log w_k N(θ; μ_k, Σ_k) are computed in double and combined by log-sum-exp,
// so U and the responsibilities r_k stay finite and exact far from every component (where
// each density alone underflows). s = grad_noise and ξ are as in the gaussian model
// ({b.noise_key, stream = grad_noise}; b.noise == false turns it off); Û(θ) = U(θ).
// θ layout: θ[i] is coordinate i; dim() = d; data_size() = 0, batch indices are ignored.
// Mode masses: the mass of the basin of component k is w_k up to the overlap of the
// components; for two 1-D components of standard deviation σ at distance Δ, each component
// puts Φ(−Δ/2σ) of its mass across the midpoint (3e−3 at Δ = 6σ, 3e−5 at Δ = 8σ).
// Arithmetic: double inside, θ and ∇Û in float. Cost O(K d) per gradient.

#include "sgmc/core/error.hpp"
#include "sgmc/models/model.hpp"

#include <Eigen/Core>

#include <memory>

namespace sgmc::models {

class mixture final : public model {
 public:
  /// weights [K] (positive, normalised here to sum 1), means [K, d], variances [K, d] (each
  /// positive). init_component: −1 starts a chain with an exact draw from the mixture, k >= 0
  /// with an exact draw from component k. Errors name model.weights / model.means /
  /// model.variances / model.init_component / model.grad_noise.
  static expected<std::unique_ptr<mixture>> create(const Eigen::VectorXd& weights,
                                                   const Eigen::MatrixXd& means,
                                                   const Eigen::MatrixXd& variances,
                                                   double grad_noise = 0.0,
                                                   int init_component = -1);

  std::size_t components() const { return static_cast<std::size_t>(weights_.size()); }
  const Eigen::VectorXd& weights() const { return weights_; }  ///< normalised, [K]
  const Eigen::MatrixXd& means() const { return means_; }      ///< [K, d]
  const Eigen::MatrixXd& variances() const { return var_; }    ///< [K, d]
  double grad_noise() const { return grad_noise_; }
  int init_component() const { return init_component_; }
  /// The mixture's mean Σ_k w_k μ_k and covariance Σ_k w_k (Σ_k + μ_k μ_kᵀ) − m mᵀ.
  Eigen::VectorXd mean() const;
  Eigen::MatrixXd covariance() const;
  /// U(θ) in double, without rounding θ's computation to float (tests, references).
  double potential(const Eigen::VectorXd& theta) const;

  std::string name() const override { return "mixture"; }
  std::size_t dim() const override { return static_cast<std::size_t>(means_.cols()); }
  std::size_t data_size() const override { return 0; }
  task kind() const override { return task::none; }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override;
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override;
  /// Does nothing: the target has no data.
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override;
  /// An exact draw: the component k = init_component, or (when −1) k drawn with probabilities
  /// w from philox_engine({key with step + 1, stream = init}); then θ = μ_k + σ_k ⊙ ξ with
  /// ξ = fill_normal({key, stream = init}, 0, ·), as the gaussian model draws it.
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;

 private:
  mixture() = default;

  double grad_noise_ = 0.0;
  int init_component_ = -1;
  Eigen::VectorXd weights_;
  Eigen::MatrixXd means_, var_, inv_var_;  // [K, d]
  Eigen::VectorXd log_norm_;               // log w_k − ½ Σ_i log(2π σ²_ki)
};

}  // namespace sgmc::models
