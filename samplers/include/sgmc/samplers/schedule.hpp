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

/// The step-size schedules (`sampler.schedule`).
enum class schedule_kind { constant, polynomial, cyclical };

/// The name of every schedule_kind, indexed by the enum: the one list of schedule names.
inline constexpr const char* schedule_kind_names[] = {"constant", "polynomial", "cyclical"};

/// Parses a name of schedule_kind_names (errc::invalid_config naming sampler.schedule otherwise).
expected<schedule_kind> parse_schedule_kind(const std::string& name);
/// The config name of kind ("cyclical"), "unknown" for a value outside the enum.
const char* to_string(schedule_kind kind);

/// `[sampler]` keys of the schedule; errors name them as `sampler.<key>` (K as `run.steps`).
/// ε (`sampler.step_size`) and K (`run.steps`) belong to other structs and are given to make().
struct schedule_params {
  schedule_kind kind = schedule_kind::constant;  ///< `sampler.schedule`
  double step_size_offset = 1.0;                 ///< polynomial: b (> 0)
  double step_size_decay = 0.55;                 ///< polynomial: γ (>= 0)
  std::uint64_t step_size_cycles = 4;            ///< cyclical: M (>= 1)
};

class schedule {
 public:
  /// Validates params, the first step size ε (> 0) and the run's length K (cyclical: >= M);
  /// errc::invalid_config naming the key.
  static expected<schedule> make(const schedule_params& params, double step_size,
                                 std::uint64_t total_steps);
  /// A constant schedule ε_t = step_size (step_size > 0, asserted).
  static schedule constant(double step_size);
  /// ε_t for t = 0, 1, ... (t past K keeps cycling).
  double at(std::uint64_t t) const;
  const schedule_params& params() const { return params_; }
  double step_size() const { return step_size_; }
  std::uint64_t total_steps() const { return total_steps_; }

 private:
  schedule(schedule_params p, double step_size, std::uint64_t total_steps)
      : params_(std::move(p)), step_size_(step_size), total_steps_(total_steps) {}
  schedule_params params_;
  double step_size_ = 1e-4;
  std::uint64_t total_steps_ = 1000;
};

}  // namespace sgmc::samplers
