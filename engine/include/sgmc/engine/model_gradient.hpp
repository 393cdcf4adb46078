#pragma once
// Adapts a models::model to samplers::gradient_source: minibatch() is the model's Û estimate on
// the given rows (with synthetic gradient noise, if the model has any); full() is the exact
// U(θ) over all rows, block by block (models::full_data), without synthetic noise:
//   U(θ) = Σ_k (n_k/N) Û_{B_k}(θ).
// It lives here because actors is the lowest module that knows both models and samplers
// (which must not know each other); tools (`sgmc run`'s chains) uses it too. One per chain or
// worker: it owns the workspace.
#include "sgmc/models/full_data.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/gradient_source.hpp"

#include <cstddef>
#include <memory>

namespace sgmc::engine {

class model_gradient final : public samplers::gradient_source {
 public:
  /// `m` must outlive this object; minibatches hold at most `max_batch` rows.
  model_gradient(const models::model& m, std::size_t max_batch);

  std::size_t dim() const override { return model_.dim(); }
  std::size_t data_size() const override { return model_.data_size(); }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key& noise_key, std::span<float> grad) override;
  double full(std::span<const float> theta, std::span<float> grad) override;

 private:
  const models::model& model_;
  std::unique_ptr<models::workspace> ws_;
  std::unique_ptr<models::full_data> full_;  // made on first use
};

}  // namespace sgmc::engine
