#pragma once
// SGD with momentum: SGHMC without noise (Chen, Fox & Guestrin 2014, §3.3):
//   v ← (1 − α) v − η ∇Û(θ)
//   θ ← θ + v
// η = info.step_size, α = friction in (0, 1] (α = 1 − the usual momentum). v starts at 0.
// Memory traffic: 20 bytes per element.

#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sgd_momentum final : public sampler {
 public:
  /// 0 < friction <= 1 (asserted).
  sgd_momentum(std::size_t dim, double friction);

  std::string name() const override { return "sgd-momentum"; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override { v_.fill(0.0f); }
  bool is_stochastic() const override { return false; }

  std::span<const float> momentum() const { return v_.span(); }

 private:
  std::size_t dim_;
  double friction_;
  float_buffer v_;
};

}  // namespace sgmc::samplers
