#include "sgmc/samplers/schedule.hpp"

#include "sgmc/core/assert.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <numbers>

namespace sgmc::samplers {
namespace {

unexpected bad(const char* key, const char* rule, double got) {
  return make_error(errc::invalid_config, fmt::format("{} must be {}, got {}", key, rule, got));
}

// ⌈K/M⌉, the length of one cycle.
std::uint64_t cycle_length(const schedule_params& p, std::uint64_t total_steps) {
  return (total_steps + p.step_size_cycles - 1) / p.step_size_cycles;
}

constexpr const auto& kKindNames = schedule_kind_names;

}  // namespace

expected<schedule_kind> parse_schedule_kind(const std::string& name) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i)
    if (name == kKindNames[i]) return static_cast<schedule_kind>(i);
  return make_error(errc::invalid_config,
                    fmt::format("sampler.schedule must be one of {}, got \"{}\"",
                                fmt::join(kKindNames, " | "), name));
}

const char* to_string(schedule_kind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kKindNames) ? kKindNames[i] : "unknown";
}

expected<schedule> schedule::make(const schedule_params& p, double step_size,
                                  std::uint64_t total_steps) {
  if (static_cast<std::size_t>(p.kind) >= std::size(kKindNames))
    return bad("sampler.schedule", "a known schedule", static_cast<double>(p.kind));
  if (!(step_size > 0.0) || !std::isfinite(step_size))
    return bad("sampler.step_size", "> 0 and finite", step_size);
  if (p.kind == schedule_kind::polynomial) {
    if (!(p.step_size_offset > 0.0) || !std::isfinite(p.step_size_offset))
      return bad("sampler.step_size_offset", "> 0 and finite", p.step_size_offset);
    if (!(p.step_size_decay >= 0.0) || !std::isfinite(p.step_size_decay))
      return bad("sampler.step_size_decay", ">= 0 and finite", p.step_size_decay);
  }
  if (p.kind == schedule_kind::cyclical) {
    if (p.step_size_cycles == 0) return bad("sampler.step_size_cycles", ">= 1", 0.0);
    if (total_steps < p.step_size_cycles) {
      return make_error(errc::invalid_config,
                        fmt::format("run.steps must be >= sampler.step_size_cycles for the "
                                    "cyclical schedule, got {} < {}",
                                    total_steps, p.step_size_cycles));
    }
  }
  return schedule(p, step_size, total_steps);
}

schedule schedule::constant(double step_size) {
  SGMC_ASSERT(step_size > 0.0, "schedule::constant: step size must be > 0");
  return schedule(schedule_params{}, step_size, 1000);
}

double schedule::at(std::uint64_t t) const {
  const schedule_params& p = params_;
  const double eps = step_size_;
  if (p.kind == schedule_kind::polynomial) {
    // a (b + t)^(−γ) with a = ε b^γ, written as ε (b / (b + t))^γ.
    const double b = p.step_size_offset;
    return eps * std::pow(b / (b + static_cast<double>(t)), p.step_size_decay);
  }
  if (p.kind == schedule_kind::cyclical) {
    const std::uint64_t len = cycle_length(p, total_steps_);
    const double phase = static_cast<double>(t % len) / static_cast<double>(len);
    return 0.5 * eps * (std::cos(std::numbers::pi * phase) + 1.0);
  }
  return eps;
}

}  // namespace sgmc::samplers
