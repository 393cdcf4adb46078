#pragma once
// What a sampler needs of a target, without knowing what a model is: the minibatch estimate
// ∇Û(θ) = −∇log p(θ) − (N/n) Σ_{i in batch} ∇log p(x_i | θ). The tools (and later actors) layer
// adapts a models::model to this interface. One gradient_source per chain: it may hold scratch.

#include "sgmc/core/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace sgmc::samplers {

class gradient_source {
 public:
  virtual ~gradient_source() = default;
  virtual std::size_t dim() const = 0;
  /// N; 0 for data-free targets (then `indices` is always empty).
  virtual std::size_t data_size() const = 0;
  /// Writes ∇Û(θ) on the rows `indices` into grad and returns Û(θ). `noise_key` names the
  /// stream of any synthetic gradient noise, so that two calls with the same key see the same
  /// noise (as two evaluations on the same real minibatch would).
  virtual double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                           const core::rng_key& noise_key, std::span<float> grad) = 0;
  /// Writes the full-data gradient ∇U(θ) into grad and returns U(θ) (no synthetic noise).
  virtual double full(std::span<const float> theta, std::span<float> grad) = 0;
};

}  // namespace sgmc::samplers
