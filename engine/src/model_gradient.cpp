#include "sgmc/engine/model_gradient.hpp"

#include <algorithm>

namespace sgmc::engine {

model_gradient::model_gradient(const models::model& m, std::size_t max_batch)
    : model_(m), ws_(m.make_workspace(std::max<std::size_t>(1, max_batch))) {}

double model_gradient::minibatch(std::span<const float> theta,
                                 std::span<const std::uint32_t> indices,
                                 const core::rng_key& noise_key, std::span<float> grad) {
  models::batch b;
  b.indices = indices;
  b.noise_key = noise_key;
  b.noise = true;
  return model_.potential_and_grad(theta, b, grad, *ws_);
}

double model_gradient::full(std::span<const float> theta, std::span<float> grad) {
  if (!full_) full_ = std::make_unique<models::full_data>(model_, 1000);
  return full_->potential_and_grad(theta, grad);
}

}  // namespace sgmc::engine
