#include "sgmc/models/full_data.hpp"

#include "common.hpp"

#include <algorithm>
#include <numeric>

namespace sgmc::models {

full_data::full_data(const model& m, std::size_t block)
    : model_(m),
      block_(std::max<std::size_t>(1, std::min(block, std::max<std::size_t>(1, m.data_size())))) {
  ws_ = model_.make_workspace(block_);
  indices_.resize(model_.data_size());
  std::iota(indices_.begin(), indices_.end(), std::uint32_t{0});
  scratch_.resize(static_cast<Eigen::Index>(model_.dim()));
}

double full_data::potential_and_grad(std::span<const float> theta, std::span<float> grad) {
  SGMC_ASSERT(grad.size() == model_.dim(), "grad length != dim()");
  const std::size_t n = model_.data_size();
  batch b;
  b.noise = false;
  if (n == 0) return model_.potential_and_grad(theta, b, grad, *ws_);
  auto g = detail::as_vec(grad);
  g.setZero();
  double u = 0;
  const std::span<float> scratch(scratch_.data(), model_.dim());
  for (std::size_t first = 0; first < n; first += block_) {
    const std::size_t len = std::min(block_, n - first);
    b.indices = std::span<const std::uint32_t>(indices_.data() + first, len);
    const double w = static_cast<double>(len) / static_cast<double>(n);
    u += w * model_.potential_and_grad(theta, b, scratch, *ws_);
    g += static_cast<float>(w) * scratch_;
  }
  return u;
}

}  // namespace sgmc::models
