#pragma once
// Adapts a models::model to the samplers' gradient_source interface: minibatch() is the model's
// Û estimate on the given rows (with synthetic gradient noise, if the model has any); full() is
// the exact U(θ) and ∇U(θ) over all N rows, summed block by block with models::full_data
//   U(θ) = Σ_k (n_k/N) Û_{B_k}(θ)
// and without synthetic noise. One model_source per chain (it owns the chain's workspace).

#include "sgmc/models/full_data.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/gradient_source.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace sgmc::tools {

class model_source final : public samplers::gradient_source {
 public:
  /// `m` must outlive this object; minibatches hold at most `max_batch` rows.
  model_source(const models::model& m, std::size_t max_batch);

  std::size_t dim() const override { return model_.dim(); }
  std::size_t data_size() const override { return model_.data_size(); }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key& noise_key, std::span<float> grad) override;
  double full(std::span<const float> theta, std::span<float> grad) override;

 private:
  const models::model& model_;
  std::unique_ptr<models::workspace> ws_;
  std::unique_ptr<models::full_data> full_;  // made on first use: most kernels never need it
};

}  // namespace sgmc::tools
