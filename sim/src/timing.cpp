#include "sgmc/sim/timing.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sgmc::sim {

bool is_random(const engine::duration_spec& d) {
  using dist = engine::duration_spec::distribution;
  switch (d.dist) {
    case dist::fixed:
      return false;
    case dist::uniform:
      return d.b > d.a;
    case dist::exponential:
      return true;
    case dist::lognormal:
      return d.b > 0;
  }
  return false;
}

vtime to_vtime(double ns) {
  return static_cast<vtime>(std::llround(std::clamp(ns, 0.0, engine::k_max_sim_ns)));
}

vtime draw(const engine::duration_spec& d, std::uint64_t seed, draw_purpose purpose,
           std::uint32_t entity, std::uint64_t n) {
  using dist = engine::duration_spec::distribution;
  if (!is_random(d)) return to_vtime(d.a);
  std::uint32_t w[4];
  core::philox_block({seed, entity, 0, static_cast<core::rng_stream>(purpose)}, n, w);
  const double u =
      static_cast<double>((std::uint64_t{w[0]} << 21) ^ (w[1] >> 11)) * 0x1.0p-53;  // [0, 1)
  switch (d.dist) {
    case dist::fixed:
      break;
    case dist::uniform:
      return to_vtime(d.a + (d.b - d.a) * u);
    case dist::exponential:
      return to_vtime(-d.a * std::log1p(-u));
    case dist::lognormal: {
      const double u1 = (static_cast<double>(w[2]) + 1.0) * 0x1.0p-32;  // (0, 1]
      const double u2 = static_cast<double>(w[3]) * 0x1.0p-32;
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      return to_vtime(d.a * std::exp(d.b * z));
    }
  }
  return to_vtime(d.a);
}

}  // namespace sgmc::sim
