#include "sgmc/samplers/sampler.hpp"

#include "sgmc/samplers/psgld.hpp"
#include "sgmc/samplers/sghmc.hpp"
#include "sgmc/samplers/sghmc_euler.hpp"
#include "sgmc/samplers/sghmc_exact.hpp"
#include "sgmc/samplers/sgld.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

namespace sgmc::samplers {
namespace {

unexpected bad(std::string_view key, std::string_view rule, double got) {
  return make_error(errc::invalid_config,
                    fmt::format("sampler.{} must be {}, got {}", key, rule, got));
}

bool uses_friction(std::string_view kind) {
  return kind == "sghmc" || kind == "sghmc-euler" || kind == "sghmc-exact" ||
         kind == "sgd-momentum";
}

expected<void> validate_friction(const sampler_params& p) {
  const double a = p.friction;
  if (p.kind == "sghmc" || p.kind == "sgd-momentum") {
    // v ← (1 − α) v ...: α outside (0, 1] flips or grows v; √(2αηT) needs α >= 0.
    if (!(a > 0.0 && a <= 1.0)) return bad("friction", "in (0, 1] for " + p.kind, a);
    return {};
  }
  if (!(a > 0.0) || !std::isfinite(a)) return bad("friction", "> 0 and finite for " + p.kind, a);
  if (p.kind == "sghmc-euler" && !(a * p.step_size <= 1.0)) {
    return make_error(errc::invalid_config,
                      fmt::format("sampler.friction × sampler.step_size must be <= 1 for "
                                  "sghmc-euler (v is damped by 1 − γh), got {} × {} = {}",
                                  a, p.step_size, a * p.step_size));
  }
  return {};
}

expected<void> validate_kind_specific(const sampler_params& p) {
  if (uses_friction(p.kind)) {
    if (auto ok = validate_friction(p); !ok) return ok;
  }
  if (p.kind == "psgld") {
    if (!(p.rmsprop_decay >= 0.0 && p.rmsprop_decay < 1.0))
      return bad("rmsprop_decay", "in [0, 1)", p.rmsprop_decay);
    if (!(p.rmsprop_eps > 0.0) || !std::isfinite(p.rmsprop_eps))
      return bad("rmsprop_eps", "> 0 and finite", p.rmsprop_eps);
  }
  if (p.kind == "sgld-fp" && (!(p.fp_step_size >= 0.0) || !std::isfinite(p.fp_step_size)))
    return bad("fp_step_size", ">= 0 and finite (0: use sampler.step_size)", p.fp_step_size);
  return {};
}

}  // namespace

expected<void> validate(const sampler_params& p) {
  if (std::find(std::begin(sampler_kinds), std::end(sampler_kinds), p.kind) ==
      std::end(sampler_kinds)) {
    return make_error(errc::invalid_config,
                      fmt::format("sampler.kind must be one of {}, got \"{}\"",
                                  fmt::join(sampler_kinds, " | "), p.kind));
  }
  if (!(p.step_size > 0.0) || !std::isfinite(p.step_size))
    return bad("step_size", "> 0 and finite", p.step_size);
  if (!(p.temperature >= 0.0) || !std::isfinite(p.temperature))
    return bad("temperature", ">= 0 and finite", p.temperature);
  if (p.batch_size == 0) return bad("batch_size", "> 0", 0.0);
  return validate_kind_specific(p);
}

expected<std::unique_ptr<sampler>> make_sampler(const sampler_params& p, std::size_t dim) {
  if (auto ok = validate(p); !ok) return unexpected(ok.error());
  const std::string_view k = p.kind;
  std::unique_ptr<sampler> s;
  if (k == "sgld" || k == "sgld-fp")
    s = std::make_unique<sgld>(dim, p.temperature, p.kind);
  else if (k == "sghmc")
    s = std::make_unique<sghmc>(dim, p.friction, p.temperature);
  else if (k == "sghmc-euler")
    s = std::make_unique<sghmc_euler>(dim, p.friction, p.temperature);
  else if (k == "sghmc-exact")
    s = std::make_unique<sghmc_exact>(dim, p.friction, p.temperature);
  else if (k == "psgld")
    s = std::make_unique<psgld>(dim, p.rmsprop_decay, p.rmsprop_eps, p.temperature, p.data_size);
  else if (k == "sgd")  // SGLD at T = 0
    s = std::make_unique<sgld>(dim, 0.0, p.kind);
  else  // sgd-momentum: SGHMC at T = 0
    s = std::make_unique<sghmc>(dim, p.friction, 0.0, p.kind);
  return s;
}

}  // namespace sgmc::samplers
