#pragma once
// Shared pieces of the models tests: small random data sets, finite differences (and the
// shared temporary folder).

#include "sgmc/core/rng.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

namespace sgmc::models::test {

/// A span over an Eigen vector (Eigen's iterators are not contiguous_iterator).
inline std::span<float> sp(Eigen::VectorXf& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}
inline std::span<const float> sp(const Eigen::VectorXf& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

using sgmc::test::tmp_dir;

/// n x d features ~ N(0, 1); targets: N(0, 1) reals (classes == 0) or uniform labels.
inline std::shared_ptr<const dataset> random_dataset(std::size_t n, std::size_t d,
                                                     std::size_t classes, std::uint64_t seed) {
  auto out = std::make_shared<dataset>();
  out->x.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  out->y.resize(static_cast<Eigen::Index>(n));
  core::fill_normal({seed, 0, 0, core::rng_stream::user}, 0,
                    std::span<float>(out->x.data(), n * d));
  core::philox_engine eng({seed, 0, 1, core::rng_stream::user});
  std::vector<float> z(n);
  core::fill_normal({seed, 0, 2, core::rng_stream::user}, 0, z);
  for (std::size_t i = 0; i < n; ++i)
    out->y[static_cast<Eigen::Index>(i)] =
        classes == 0 ? z[i] : static_cast<float>(eng.below(classes));
  out->classes = classes;
  out->source = "random test data";
  return out;
}

inline Eigen::VectorXf random_theta(std::size_t dim, float scale, std::uint64_t seed) {
  Eigen::VectorXf t(static_cast<Eigen::Index>(dim));
  core::fill_normal({seed, 7, 0, core::rng_stream::user}, 0, std::span<float>(t.data(), dim));
  return scale * t;
}

inline std::vector<std::uint32_t> iota_indices(std::size_t first, std::size_t count) {
  std::vector<std::uint32_t> v(count);
  std::iota(v.begin(), v.end(), static_cast<std::uint32_t>(first));
  return v;
}

/// Û and ∇Û of a model at θ on the given rows (a fresh workspace).
struct evaluation {
  double u = 0;
  Eigen::VectorXf grad;
};
inline evaluation evaluate(const model& m, const Eigen::VectorXf& theta,
                           const std::vector<std::uint32_t>& rows, bool noise = true,
                           core::rng_key key = {}) {
  auto ws = m.make_workspace(std::max<std::size_t>(1, rows.size()));
  evaluation e;
  e.grad.resize(theta.size());
  batch b{rows, key, noise};
  e.u = m.potential_and_grad(std::span<const float>(theta.data(), m.dim()), b,
                             std::span<float>(e.grad.data(), m.dim()), *ws);
  return e;
}

/// Central differences of f at x in double: (f(x + h e_i) − f(x − h e_i)) / 2h.
inline Eigen::VectorXd fd_gradient(const std::function<double(const Eigen::VectorXd&)>& f,
                                   Eigen::VectorXd x, double h = 1e-5) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    x[i] = xi + h;
    const double up = f(x);
    x[i] = xi - h;
    const double down = f(x);
    x[i] = xi;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/// max_i |a_i − b_i| / (max_i |b_i| + 1): the error relative to the vector's scale.
inline double scaled_error(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / (b.cwiseAbs().maxCoeff() + 1.0);
}

}  // namespace sgmc::models::test
