#pragma once
// The model interface. A model owns its (const) training data and describes the target
//   U(θ) = −log p(θ) − Σ_{i=1..N} log p(x_i | θ),
// of which it returns the unbiased minibatch estimate
//   Û(θ) = −log p(θ) − (N/n) Σ_{i in batch} log p(x_i | θ)
// and its gradient. θ is one flat float vector of length dim(); models view slices of it as
// Eigen matrices and never copy it.
//
// Thread safety: a model is immutable after construction and may be shared by many chains.
// All scratch memory lives in a `workspace` made by the model (one per chain / thread), so
// that no call allocates in the step loop.

#include "sgmc/core/rng.hpp"
#include "sgmc/models/dataset.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sgmc::models {

/// One named block of θ: θ[offset, offset + Π shape) viewed as an array of `shape` in C
/// (row-major) order. An empty shape is a scalar. What the ArviZ export names its variables.
struct param_block {
  std::string name;
  std::vector<std::size_t> shape;
  std::size_t offset = 0;
  std::size_t size() const;  ///< Π shape (1 for a scalar)
};

/// Per-caller scratch memory of a model (activations, gathered batches, ...).
class workspace {
 public:
  virtual ~workspace() = default;
};

/// Which minibatch to use for one gradient estimate.
struct batch {
  std::span<const std::uint32_t> indices;  ///< rows of the training set; empty for data-free models
  core::rng_key noise_key;                 ///< stream for synthetic gradient noise, if any
  bool noise = true;  ///< false: leave out synthetic gradient noise (exact full-data gradients)
};

enum class task { none, regression, classification };

class model {
 public:
  virtual ~model() = default;

  virtual std::string name() const = 0;
  /// Length of θ.
  virtual std::size_t dim() const = 0;
  /// N, the number of training examples (0 for data-free targets such as `gaussian`).
  virtual std::size_t data_size() const = 0;
  virtual task kind() const = 0;
  /// Number of classes for classification, 0 otherwise.
  virtual std::size_t classes() const { return 0; }

  /// Scratch memory for batches of up to `max_batch` rows and predictions on up to
  /// `max_predict` rows at a time.
  virtual std::unique_ptr<workspace> make_workspace(std::size_t max_batch,
                                                    std::size_t max_predict = 1000) const = 0;

  /// Writes ∇Û(θ) for the given batch into grad (length dim()) and returns Û(θ).
  /// Preconditions (asserted): ws was made by this model; for models with data,
  /// 0 < indices.size() <= the workspace's max_batch and every index < data_size().
  /// Never allocates.
  virtual double potential_and_grad(std::span<const float> theta, const batch& b,
                                    std::span<float> grad, workspace& ws) const = 0;

  /// Per-example log-likelihood log p(y_i | x_i, θ) for every row of `data` into loglik
  /// (resized to n if needed). Classification models also write class probabilities into
  /// probs [n, classes] (resized if needed) when probs is non-null. `data` must have the
  /// training set's features (asserted). Targets without data do nothing.
  virtual void predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
                       row_matrix* probs, workspace& ws) const = 0;

  /// A starting point for a chain, drawn from `key` with its stream set to rng_stream::init
  /// (e.g. small random weights); the same key gives the same θ.
  virtual void initial_params(const core::rng_key& key, std::span<float> theta) const = 0;

  /// θ as named blocks that cover it exactly once, in order of offset. Default: one vector
  /// `theta [dim()]`; models with structure (mlp, softmax) name their weights and biases.
  virtual std::vector<param_block> param_layout() const;
};

}  // namespace sgmc::models
