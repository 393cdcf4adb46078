#pragma once
// The concrete evaluators behind evaluator::make (one .cpp each).

#include "sgmc/engine/evaluator.hpp"
#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"

#include <memory>

namespace sgmc::engine::detail {

std::unique_ptr<evaluator> make_classification_evaluator(const models::model& m,
                                                         const models::dataset& test);
/// `linear` (may be null) adds RMSE of the mean prediction, computed as x_iᵀθ.
std::unique_ptr<evaluator> make_regression_evaluator(const models::model& m,
                                                     const models::dataset& test,
                                                     const models::linreg* linear);
std::unique_ptr<evaluator> make_moments_evaluator(const models::gaussian& target);
/// Reports nothing (a model with data but no test set).
std::unique_ptr<evaluator> make_null_evaluator();

}  // namespace sgmc::engine::detail
