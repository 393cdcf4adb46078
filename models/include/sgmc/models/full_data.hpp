#pragma once
// The exact potential U(θ) and its gradient on the whole training set, from minibatch estimates
// over consecutive blocks B_1..B_K of sizes n_k (Σ n_k = N):
//   U(θ) = Σ_k (n_k/N) Û_{B_k}(θ)
// which is exact because each Û_{B_k} holds the prior once and (N/n_k) times its block's
// log-likelihood. Synthetic gradient noise is left out. Data-free targets take one call.
// Allocates only in the constructor; not thread safe (one per chain / thread).

#include "sgmc/models/model.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sgmc::models {

class full_data {
 public:
  /// `m` must outlive this object; `block` rows per minibatch call.
  explicit full_data(const model& m, std::size_t block = 1000);

  /// Writes ∇U(θ) into grad (length dim()) and returns U(θ).
  double potential_and_grad(std::span<const float> theta, std::span<float> grad);

 private:
  const model& model_;
  std::size_t block_;
  std::unique_ptr<workspace> ws_;
  std::vector<std::uint32_t> indices_;
  Eigen::VectorXf scratch_;
};

}  // namespace sgmc::models
