#include "sgmc/models/exact_posterior.hpp"

#include "sgmc/models/gaussian.hpp"

namespace sgmc::models {

std::optional<gaussian_moments> exact_posterior(const model& m) {
  if (const auto* g = dynamic_cast<const gaussian*>(&m))
    return gaussian_moments{g->mean(), g->covariance()};
  if (const auto* l = dynamic_cast<const linreg*>(&m))
    return linreg_posterior(l->train(), l->prior_precision(), l->noise_precision());
  return std::nullopt;
}

}  // namespace sgmc::models
