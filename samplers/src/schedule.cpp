#include "sgmc/samplers/schedule.hpp"

#include "sgmc/core/assert.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace sgmc::samplers {
namespace {

unexpected bad(const char* key, const char* rule, double got) {
  return make_error(errc::invalid_config, fmt::format("{} must be {}, got {}", key, rule, got));
}

// ⌈K/M⌉, the length of one cycle.
std::uint64_t cycle_length(const schedule_params& p) {
  return (p.total_steps + p.step_size_cycles - 1) / p.step_size_cycles;
}

}  // namespace

expected<schedule> schedule::make(const schedule_params& p) {
  if (p.kind != "constant" && p.kind != "polynomial" && p.kind != "cyclical") {
    return make_error(errc::invalid_config,
                      fmt::format("sampler.schedule must be one of constant | polynomial | "
                                  "cyclical, got \"{}\"",
                                  p.kind));
  }
  if (!(p.step_size > 0.0) || !std::isfinite(p.step_size))
    return bad("sampler.step_size", "> 0 and finite", p.step_size);
  if (p.kind == "polynomial") {
    if (!(p.step_size_offset > 0.0) || !std::isfinite(p.step_size_offset))
      return bad("sampler.step_size_offset", "> 0 and finite", p.step_size_offset);
    if (!(p.step_size_decay >= 0.0) || !std::isfinite(p.step_size_decay))
      return bad("sampler.step_size_decay", ">= 0 and finite", p.step_size_decay);
  }
  if (p.kind == "cyclical") {
    if (p.step_size_cycles == 0) return bad("sampler.step_size_cycles", ">= 1", 0.0);
    if (p.total_steps < p.step_size_cycles) {
      return make_error(errc::invalid_config,
                        fmt::format("run.steps must be >= sampler.step_size_cycles for the "
                                    "cyclical schedule, got {} < {}",
                                    p.total_steps, p.step_size_cycles));
    }
  }
  return schedule(p);
}

schedule schedule::constant(double step_size) {
  SGMC_ASSERT(step_size > 0.0, "schedule::constant: step size must be > 0");
  schedule_params p;
  p.step_size = step_size;
  return schedule(p);
}

double schedule::at(std::uint64_t t) const {
  const schedule_params& p = params_;
  if (p.kind == "polynomial") {
    // a (b + t)^(−γ) with a = ε b^γ, written as ε (b / (b + t))^γ.
    const double b = p.step_size_offset;
    return p.step_size * std::pow(b / (b + static_cast<double>(t)), p.step_size_decay);
  }
  if (p.kind == "cyclical") {
    const std::uint64_t len = cycle_length(p);
    const double phase = static_cast<double>(t % len) / static_cast<double>(len);
    return 0.5 * p.step_size * (std::cos(std::numbers::pi * phase) + 1.0);
  }
  return p.step_size;
}

}  // namespace sgmc::samplers
