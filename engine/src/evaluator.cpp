#include "sgmc/engine/evaluator.hpp"

#include "evaluators.hpp"

#include <limits>

namespace sgmc::engine {
namespace detail {
namespace {

class null_evaluator final : public evaluator {
 public:
  void add_draw(std::span<const float>) override { ++draws_; }
  metric_list evaluate(std::span<const float>, bool) override { return {}; }
  headline_metric headline() const override { return {}; }
  double headline_value() const override { return std::numeric_limits<double>::quiet_NaN(); }
};

}  // namespace

std::unique_ptr<evaluator> make_null_evaluator() { return std::make_unique<null_evaluator>(); }

}  // namespace detail

std::unique_ptr<evaluator> evaluator::make(const models::model& m, const models::dataset& test) {
  if (const auto* g = dynamic_cast<const models::gaussian*>(&m))
    return detail::make_moments_evaluator(*g);
  if (test.size() == 0 || m.kind() == models::task::none) return detail::make_null_evaluator();
  if (m.kind() == models::task::classification)
    return detail::make_classification_evaluator(m, test);
  return detail::make_regression_evaluator(m, test, dynamic_cast<const models::linreg*>(&m));
}

}  // namespace sgmc::engine
