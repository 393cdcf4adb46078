#include "sgmc/models/softmax.hpp"

#include "common.hpp"
#include "init.hpp"

#include <fmt/format.h>

namespace sgmc::models {

expected<std::unique_ptr<softmax>> softmax::create(std::shared_ptr<const dataset> train,
                                                   double prior_precision) {
  if (!train || train->size() == 0)
    return make_error(errc::invalid_config, "model.kind: softmax needs a non-empty training set");
  if (train->classes < 2)
    return make_error(errc::invalid_config,
                      fmt::format("model.kind: softmax needs classification data (data.classes >= "
                                  "2) but {} has none",
                                  train->source));
  std::vector<std::size_t> layers{train->features(), train->classes};
  auto impl = mlp::create(std::move(train), std::move(layers), activation::relu, prior_precision);
  if (!impl) return unexpected(impl.error());
  return std::unique_ptr<softmax>(new softmax(std::move(*impl)));
}

void softmax::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  detail::small_normal_init(key, detail::kLinearInitStd, theta);
}

std::vector<param_block> softmax::param_layout() const {
  const auto& d = impl_->layers();  // {features, K}: the mlp without hidden layers
  return {{"W", {d[0], d[1]}, impl_->weight_offset(0)}, {"b", {d[1]}, impl_->bias_offset(0)}};
}

}  // namespace sgmc::models
