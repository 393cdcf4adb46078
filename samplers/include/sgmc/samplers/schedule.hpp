#pragma once
// Step-size schedules ε_t for t = 0, 1, ...
//   constant:   ε_t = ε
//   polynomial: ε_t = a (b + t)^(−γ), with a chosen so that ε_0 = ε: a = ε b^γ
//               (Welling & Teh 2011, §3; γ in (0.5, 1] gives Σε = ∞, Σε² < ∞)
//   cyclical:   ε_t = (ε/2) [cos(π mod(t, ⌈K/M⌉) / ⌈K/M⌉) + 1], K steps in M cycles
//               (Zhang et al. 2020, cyclical SG-MCMC, eq. 1)

#include "sgmc/core/error.hpp"

#include <cstdint>
#include <string>
#include <utility>

namespace sgmc::samplers {

/// `[sampler]` keys of the schedule; errors name them as `sampler.<key>` (K as `run.steps`).
struct schedule_params {
  std::string kind = "constant";       ///< `sampler.schedule`: constant | polynomial | cyclical
  double step_size = 1e-4;             ///< ε, the first step size (> 0)
  double step_size_offset = 1.0;       ///< polynomial: b (> 0)
  double step_size_decay = 0.55;       ///< polynomial: γ (>= 0)
  std::uint64_t step_size_cycles = 4;  ///< cyclical: M (>= 1)
  std::uint64_t total_steps = 1000;    ///< cyclical: K (`run.steps`, >= M)
};

class schedule {
 public:
  /// Validates params (errc::invalid_config naming the key).
  static expected<schedule> make(const schedule_params& params);
  /// A constant schedule ε_t = step_size (step_size > 0, asserted).
  static schedule constant(double step_size);
  /// ε_t for t = 0, 1, ... (t past K keeps cycling).
  double at(std::uint64_t t) const;
  const schedule_params& params() const { return params_; }

 private:
  explicit schedule(schedule_params p) : params_(std::move(p)) {}
  schedule_params params_;
};

}  // namespace sgmc::samplers
