#pragma once
// SGD with the SGLD drift and no noise (the baseline, and the mode search of SGLD-FP):
//   θ ← θ − (ε/2) ∇Û(θ)
// ε = info.step_size. Stateless. Memory traffic: 12 bytes per element.

#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sgd final : public sampler {
 public:
  explicit sgd(std::size_t dim) : dim_(dim) {}

  std::string name() const override { return "sgd"; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override {}
  bool is_stochastic() const override { return false; }

 private:
  std::size_t dim_;
};

}  // namespace sgmc::samplers
