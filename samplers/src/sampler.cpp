#include "sgmc/samplers/sampler.hpp"

#include "sgmc/samplers/psgld.hpp"
#include "sgmc/samplers/sghmc.hpp"
#include "sgmc/samplers/sghmc_euler.hpp"
#include "sgmc/samplers/sghmc_exact.hpp"
#include "sgmc/samplers/sgld.hpp"
#include "sgmc/samplers/sgld_lowp.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string_view>

namespace sgmc::samplers {
namespace {

constexpr const auto& kKindNames = sampler_kind_names;

unexpected bad(std::string_view key, std::string_view rule, double got) {
  return make_error(errc::invalid_config,
                    fmt::format("sampler.{} must be {}, got {}", key, rule, got));
}

bool uses_friction(sampler_kind kind) {
  return kind == sampler_kind::sghmc || kind == sampler_kind::sghmc_euler ||
         kind == sampler_kind::sghmc_exact || kind == sampler_kind::sgd_momentum;
}

expected<void> validate_friction(const sampler_params& p) {
  const double a = p.friction;
  const std::string kind = to_string(p.kind);
  if (p.kind == sampler_kind::sghmc || p.kind == sampler_kind::sgd_momentum) {
    // v ← (1 − α) v ...: α outside (0, 1] flips or grows v; √(2αηT) needs α >= 0.
    if (!(a > 0.0 && a <= 1.0)) return bad("friction", "in (0, 1] for " + kind, a);
    return {};
  }
  if (!(a > 0.0) || !std::isfinite(a)) return bad("friction", "> 0 and finite for " + kind, a);
  if (p.kind == sampler_kind::sghmc_euler && !(a * p.step_size <= 1.0)) {
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
  if (p.kind == sampler_kind::psgld) {
    if (!(p.rmsprop_decay >= 0.0 && p.rmsprop_decay < 1.0))
      return bad("rmsprop_decay", "in [0, 1)", p.rmsprop_decay);
    if (!(p.rmsprop_eps > 0.0) || !std::isfinite(p.rmsprop_eps))
      return bad("rmsprop_eps", "> 0 and finite", p.rmsprop_eps);
  }
  if (p.kind == sampler_kind::sgld_fp &&
      (!(p.fp_step_size >= 0.0) || !std::isfinite(p.fp_step_size)))
    return bad("fp_step_size", ">= 0 and finite (0: use sampler.step_size)", p.fp_step_size);
  return {};
}

}  // namespace

expected<sampler_kind> parse_sampler_kind(const std::string& name) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i)
    if (name == kKindNames[i]) return static_cast<sampler_kind>(i);
  return make_error(errc::invalid_config, fmt::format("sampler.kind must be one of {}, got \"{}\"",
                                                      fmt::join(kKindNames, " | "), name));
}

const char* to_string(sampler_kind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kKindNames) ? kKindNames[i] : "unknown";
}

expected<void> validate(const sampler_params& p) {
  if (static_cast<std::size_t>(p.kind) >= std::size(kKindNames))
    return bad("kind", "a known sampler", static_cast<double>(p.kind));
  if (!(p.step_size > 0.0) || !std::isfinite(p.step_size))
    return bad("step_size", "> 0 and finite", p.step_size);
  if (!(p.temperature >= 0.0) || !std::isfinite(p.temperature))
    return bad("temperature", ">= 0 and finite", p.temperature);
  if (p.batch_size == 0) return bad("batch_size", "> 0", 0.0);
  if (auto ok = validate(p.precision); !ok) return ok;
  if (p.precision.weights != weights_format::fp32 && p.kind != sampler_kind::sgld)
    return make_error(errc::invalid_config,
                      fmt::format("precision.weights = \"{}\" needs sampler.kind = \"sgld\" "
                                  "(the low-precision kernels are SGLD's), got \"{}\"",
                                  to_string(p.precision.weights), to_string(p.kind)));
  return validate_kind_specific(p);
}

expected<std::unique_ptr<sampler>> make_sampler(const sampler_params& p, std::size_t dim) {
  if (auto ok = validate(p); !ok) return unexpected(ok.error());
  std::unique_ptr<sampler> s;
  switch (p.kind) {
    case sampler_kind::sgld:
      if (p.precision.weights != weights_format::fp32) {
        s = std::make_unique<sgld_lowp>(dim, p.temperature, p.precision);
        break;
      }
      s = std::make_unique<sgld>(dim, p.temperature, to_string(p.kind));
      break;
    case sampler_kind::sgld_fp:
      s = std::make_unique<sgld>(dim, p.temperature, to_string(p.kind));
      break;
    case sampler_kind::sghmc:
      s = std::make_unique<sghmc>(dim, p.friction, p.temperature);
      break;
    case sampler_kind::sghmc_euler:
      s = std::make_unique<sghmc_euler>(dim, p.friction, p.temperature);
      break;
    case sampler_kind::sghmc_exact:
      s = std::make_unique<sghmc_exact>(dim, p.friction, p.temperature);
      break;
    case sampler_kind::psgld:
      s = std::make_unique<psgld>(dim, p.rmsprop_decay, p.rmsprop_eps, p.temperature, p.data_size);
      break;
    case sampler_kind::sgd:  // SGLD at T = 0
      s = std::make_unique<sgld>(dim, 0.0, to_string(p.kind));
      break;
    case sampler_kind::sgd_momentum:  // SGHMC at T = 0
      s = std::make_unique<sghmc>(dim, p.friction, 0.0, to_string(p.kind));
      break;
  }
  return s;
}

}  // namespace sgmc::samplers
