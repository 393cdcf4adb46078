#pragma once
// Private helpers shared by the model implementations.

#include "sgmc/core/assert.hpp"
#include "sgmc/models/model.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <span>

namespace sgmc::models::detail {

inline constexpr double kLog2Pi = 1.8378770664093454836;

using vec_map = Eigen::Map<Eigen::VectorXf>;
using const_vec_map = Eigen::Map<const Eigen::VectorXf>;
using mat_map = Eigen::Map<row_matrix>;
using const_mat_map = Eigen::Map<const row_matrix>;

inline const_vec_map as_vec(std::span<const float> s) {
  return const_vec_map(s.data(), static_cast<Eigen::Index>(s.size()));
}
inline vec_map as_vec(std::span<float> s) {
  return vec_map(s.data(), static_cast<Eigen::Index>(s.size()));
}

/// The model's own workspace type behind a `workspace&` (a foreign one is a caller bug).
template <class Ws>
Ws& workspace_cast(workspace& ws) {
  auto* p = dynamic_cast<Ws*>(&ws);
  SGMC_ASSERT(p != nullptr, "workspace was made by a different model");
  return *p;
}

/// Asserts the preconditions of potential_and_grad for a model with data.
inline void check_batch(const batch& b, std::size_t max_batch, std::size_t n_data) {
  SGMC_ASSERT(!b.indices.empty(), "empty minibatch");
  SGMC_ASSERT(b.indices.size() <= max_batch, "minibatch larger than the workspace's max_batch");
  for (const auto i : b.indices) SGMC_ASSERT(i < n_data, "minibatch index out of range");
}

}  // namespace sgmc::models::detail
