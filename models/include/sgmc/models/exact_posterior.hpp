#pragma once
// The exact posterior of the models that have one in closed form, for checking draws:
//   gaussian  N(μ, Σ), the target itself
//   linreg    N(μ_post, Σ_post) of linreg_posterior on the model's training set
// Every other model: std::nullopt.
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/model.hpp"

#include <optional>

namespace sgmc::models {

std::optional<gaussian_moments> exact_posterior(const model& m);

}  // namespace sgmc::models
