#pragma once
// The state the SGHMC family shares (sghmc.hpp, sghmc_euler.hpp, sghmc_exact.hpp; SGD with
// momentum is sghmc at T = 0): a momentum vector v of dim floats, zero at construction and at
// reset, a friction and a temperature T >= 0 (T = 0: no noise is drawn). Each kernel's header
// gives its update rule; the chunked loop they run is samplers/src/momentum_loop.hpp.

#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <utility>

namespace sgmc::samplers {

class momentum_sampler : public sampler {
 public:
  std::string name() const override { return name_; }
  std::size_t dim() const override { return dim_; }
  void reset() override { v_.fill(0.0f); }
  std::vector<float> save_state() const override { return {v_.span().begin(), v_.span().end()}; }
  bool load_state(std::span<const float> state) override {
    if (state.size() != dim_) return false;
    std::copy(state.begin(), state.end(), v_.span().begin());
    return true;
  }
  bool is_stochastic() const override { return temperature_ > 0.0; }

  /// The momentum v (dim floats).
  std::span<const float> momentum() const { return v_.span(); }

 protected:
  /// temperature >= 0 (asserted; the friction's range is each kernel's to check).
  momentum_sampler(std::size_t dim, double friction, double temperature, std::string name);

  std::size_t dim_;
  double friction_;
  double temperature_;
  std::string name_;
  float_buffer v_;
};

}  // namespace sgmc::samplers
