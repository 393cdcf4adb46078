#pragma once
// Adapts a models::model to samplers::gradient_source for a worker: minibatch() is the model's
// Û estimate on the given rows (with synthetic gradient noise, if the model has any); full() is
// the exact U(θ) over all rows, block by block (models::full_data), without synthetic noise.
// The same adapter as tools::model_source, which actors cannot use (tools depends on actors).
// One per worker: it owns the worker's workspace.
#include "sgmc/models/full_data.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/gradient_source.hpp"

#include <cstddef>
#include <memory>

namespace sgmc::actors::detail {

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

}  // namespace sgmc::actors::detail
