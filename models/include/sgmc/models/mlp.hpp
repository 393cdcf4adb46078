#pragma once
// A multilayer perceptron classifier with widths d_0 (features), d_1, ..., d_L (classes):
//   h_0 = x,   h_{l+1} = φ(h_l W_l + b_l)  (l < L−1),   z = h_{L−1} W_{L−1} + b_{L−1}
//   p(y | x, θ) = softmax(z)_y,   φ = ReLU or tanh,   θ ~ N(0, I/λ) on every weight and bias
//   Û(θ) = ½λ‖θ‖² − (D/2) log(λ/2π) − (N/n) Σ_{i∈B} log softmax(z_i)_{y_i}
// θ layout, layer after layer (l = 0..L−1): W_l, d_l x d_{l+1} ROW-MAJOR (element (i, j) at
// weight_offset(l) + i·d_{l+1} + j: input unit i to output unit j), then b_l (d_{l+1}) at
// bias_offset(l). The model views these slices as Eigen::Map<row-major matrix>, never copying.
//
// One gradient is a few large float GEMMs on preallocated workspace memory (Eigen's kernel,
// see src/gemm.hpp): gather the batch rows into X; forward Z_l = H_l W_l; backward
// δ_L = (N/n)(softmax − onehot), ∇W_l = λW_l + H_lᵀ δ_{l+1}, δ_l = (δ_{l+1} W_lᵀ) ⊙ φ'(H_l)
// (never for the input layer). Work is split into a FIXED number of parts that depends only on
// the shapes (batch rows for the forward/δ pass, rows of ∇W_l for the weight gradients) and run
// with tbb::parallel_for, so the result is bit-for-bit the same for any number of threads
// (set by the caller with tbb::global_control).

#include "sgmc/core/error.hpp"
#include "sgmc/models/kinds.hpp"
#include "sgmc/models/model.hpp"

#include <memory>
#include <vector>

namespace sgmc::models {

class mlp final : public model {
 public:
  /// Errors (naming model.layers / model.prior_precision): fewer than 2 layers, a zero width,
  /// layers[0] != data features, last layer != data classes, data that is not classification,
  /// non-positive prior precision.
  static expected<std::unique_ptr<mlp>> create(std::shared_ptr<const dataset> train,
                                               std::vector<std::size_t> layers, activation act,
                                               double prior_precision);

  const std::vector<std::size_t>& layers() const { return layers_; }
  activation act() const { return act_; }
  double prior_precision() const { return prior_precision_; }
  /// Offsets into θ of W_l and b_l (l = 0..layers().size()−2).
  std::size_t weight_offset(std::size_t l) const { return offsets_[l]; }
  std::size_t bias_offset(std::size_t l) const { return offsets_[l] + layers_[l] * layers_[l + 1]; }
  /// FLOPs of one gradient at batch size n (2 per multiply-add of the GEMMs).
  double flops_per_grad(std::size_t n) const;

  std::string name() const override { return "mlp"; }
  std::size_t dim() const override { return offsets_.back(); }
  std::size_t data_size() const override { return train_->size(); }
  task kind() const override { return task::classification; }
  std::size_t classes() const override { return layers_.back(); }
  std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                            std::size_t max_predict = 1000) const override;
  double potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                            workspace& ws) const override;
  void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
               row_matrix* probs, workspace& ws) const override;
  /// Weights ~ N(0, s_l²) with s_l = sqrt(2/d_l) for ReLU (He) and sqrt(2/(d_l + d_{l+1})) for
  /// tanh (Glorot); biases 0. Noise from fill_normal({key, stream = init}, 0, θ).
  void initial_params(const core::rng_key& key, std::span<float> theta) const override;
  /// W1 [d_0, d_1], b1 [d_1], W2 [d_1, d_2], b2 [d_2], ... (layer l + 1 is W_l, b_l above).
  std::vector<param_block> param_layout() const override;

 private:
  mlp(std::shared_ptr<const dataset> train, std::vector<std::size_t> layers, activation act,
      double prior_precision);

  std::shared_ptr<const dataset> train_;
  std::vector<std::size_t> layers_;
  std::vector<std::size_t> offsets_;  // offsets_[l] = start of W_l; offsets_[L] = dim()
  activation act_;
  double prior_precision_;
};

}  // namespace sgmc::models
