#pragma once
// Gradient sources for the sampler tests: an adapter from a models::model (the gaussian and
// linreg targets with known moments), and small test-local sources that record what the chain
// asks of them or fail on purpose.

#include "sgmc/core/rng.hpp"
#include "sgmc/models/full_data.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/gradient_source.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <vector>

namespace sgmc::test {

/// A models::model as a gradient_source. actors::model_gradient is the real one; this small
/// copy keeps the sampler and protocol tests free of the actor runtime (CAF) it lives with.
class model_source final : public samplers::gradient_source {
 public:
  model_source(const models::model& m, std::size_t max_batch)
      : model_(m), ws_(m.make_workspace(std::max<std::size_t>(max_batch, 1))), full_(m) {}

  std::size_t dim() const override { return model_.dim(); }
  std::size_t data_size() const override { return model_.data_size(); }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key& noise_key, std::span<float> grad) override {
    return model_.potential_and_grad(theta, models::batch{indices, noise_key, true}, grad, *ws_);
  }
  double full(std::span<const float> theta, std::span<float> grad) override {
    return full_.potential_and_grad(theta, grad);
  }

 private:
  const models::model& model_;
  std::unique_ptr<models::workspace> ws_;
  models::full_data full_;
};

/// N(μ, σ² I) without data, like models::gaussian's diagonal case but cheap for any dim:
/// U(θ) = |θ − μ|² / (2σ²), ∇Û = (θ − μ)/σ² + s ξ with ξ from {noise_key, grad_noise}.
class quadratic_source final : public samplers::gradient_source {
 public:
  quadratic_source(std::size_t dim, double mean, double variance, double grad_noise = 0.0)
      : dim_(dim),
        mean_(static_cast<float>(mean)),
        precision_(static_cast<float>(1.0 / variance)),
        noise_(static_cast<float>(grad_noise)),
        xi_(dim) {}

  std::size_t dim() const override { return dim_; }
  std::size_t data_size() const override { return 0; }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t>,
                   const core::rng_key& noise_key, std::span<float> grad) override {
    const double u = full(theta, grad);
    if (noise_ > 0.0f) {
      core::rng_key k = noise_key;
      k.stream = core::rng_stream::grad_noise;
      core::fill_normal(k, 0, xi_);
      for (std::size_t i = 0; i < dim_; ++i) grad[i] += noise_ * xi_[i];
    }
    return u;
  }
  double full(std::span<const float> theta, std::span<float> grad) override {
    double u = 0.0;
    for (std::size_t i = 0; i < dim_; ++i) {
      const float d = theta[i] - mean_;
      grad[i] = precision_ * d;
      u += 0.5 * double(precision_) * d * d;
    }
    return u;
  }

 private:
  std::size_t dim_;
  float mean_, precision_, noise_;
  std::vector<float> xi_;
};

/// U(θ) = ½ Σ p_i (θ_i − μ_i)² on data rows that do not matter: ∇Û = p ⊙ (θ − μ) + s ξ, with ξ
/// drawn from the noise key. Records every call. Optionally fails at one step.
class recording_source final : public samplers::gradient_source {
 public:
  recording_source(std::size_t dim, std::size_t rows, float noise = 0.0f)
      : dim_(dim), rows_(rows), noise_(noise) {}

  std::size_t dim() const override { return dim_; }
  std::size_t data_size() const override { return rows_; }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key& noise_key, std::span<float> grad) override {
    batches.emplace_back(indices.begin(), indices.end());
    keys.push_back(noise_key);
    std::vector<float> xi(dim_, 0.0f);
    if (noise_ > 0.0f) core::fill_normal(noise_key, 0, xi);
    double u = 0.0;
    for (std::size_t i = 0; i < dim_; ++i) {
      grad[i] = theta[i] + noise_ * xi[i];
      u += 0.5 * double(theta[i]) * theta[i];
    }
    const std::size_t call = batches.size() - 1;
    if (call == nan_potential_at) u = std::numeric_limits<double>::quiet_NaN();
    if (call == inf_gradient_at) grad[dim_ / 2] = bad_gradient;
    return u;
  }
  double full(std::span<const float> theta, std::span<float> grad) override {
    double u = 0.0;
    for (std::size_t i = 0; i < dim_; ++i) {
      grad[i] = theta[i];
      u += 0.5 * double(theta[i]) * theta[i];
    }
    return u;
  }

  std::vector<std::vector<std::uint32_t>> batches;
  std::vector<core::rng_key> keys;
  std::size_t nan_potential_at = std::numeric_limits<std::size_t>::max();
  std::size_t inf_gradient_at = std::numeric_limits<std::size_t>::max();
  float bad_gradient = std::numeric_limits<float>::infinity();  ///< written at inf_gradient_at

 private:
  std::size_t dim_, rows_;
  float noise_;
};

/// A linear-Gaussian model with data, written out here so that the control-variate tests do
/// not depend on models: rows x_i = i-th unit-ish vector pattern, U(θ) = ½|θ|² + Σ_i ½(θ·a_i −
/// b_i)².
class linear_source final : public samplers::gradient_source {
 public:
  linear_source(std::size_t dim, std::size_t rows)
      : dim_(dim), rows_(rows), a_(rows * dim), b_(rows) {
    core::fill_normal({3, 0, 0, core::rng_stream::user}, 0, a_);
    core::fill_normal({4, 0, 0, core::rng_stream::user}, 0, b_);
  }
  std::size_t dim() const override { return dim_; }
  std::size_t data_size() const override { return rows_; }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key&, std::span<float> grad) override {
    const double scale = double(rows_) / double(indices.size());
    double u = 0.0;
    for (std::size_t j = 0; j < dim_; ++j) {
      grad[j] = theta[j];
      u += 0.5 * double(theta[j]) * theta[j];
    }
    for (std::uint32_t i : indices) {
      double r = -b_[i];
      for (std::size_t j = 0; j < dim_; ++j) r += double(theta[j]) * a_[i * dim_ + j];
      u += scale * 0.5 * r * r;
      for (std::size_t j = 0; j < dim_; ++j)
        grad[j] += static_cast<float>(scale * r * a_[i * dim_ + j]);
    }
    return u;
  }
  double full(std::span<const float> theta, std::span<float> grad) override {
    std::vector<std::uint32_t> all(rows_);
    for (std::size_t i = 0; i < rows_; ++i) all[i] = static_cast<std::uint32_t>(i);
    return minibatch(theta, all, {}, grad);
  }

 private:
  std::size_t dim_, rows_;
  std::vector<float> a_, b_;
};

}  // namespace sgmc::test
