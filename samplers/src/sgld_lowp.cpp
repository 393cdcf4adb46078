#include "sgmc/samplers/sgld_lowp.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"
#include "sgmc/samplers/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace sgmc::samplers {
namespace {

using detail::kBlock;

std::string name_of(const precision_params& p) {
  if (p.accumulator == accumulator_kind::full)
    return fmt::format("sgld ({}, full)", to_string(p.weights));
  return fmt::format("sgld ({}, {}, low)", to_string(p.weights), to_string(p.quantizer));
}

float max_abs(const float* x, std::size_t n) {
  // on the bits of |x|, whose order is the order of the magnitudes: an integer max, which
  // vectorises (a float max does not, without -ffinite-math-only); a NaN comes out as NaN
  std::uint32_t m = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint32_t a = std::bit_cast<std::uint32_t>(x[j]) & 0x7fffffffu;
    m = a > m ? a : m;
  }
  return std::bit_cast<float>(m);
}

// What one kernel block needs from the generator: z (normals), u1 and u2 (uniforms), each at
// element offset + b + j of its own stream; z is zero when T = 0.
struct block_draws {
  alignas(64) float z[kBlock];
  alignas(64) float u1[kBlock];
  alignas(64) float u2[kBlock];

  void fill(const step_info& info, std::size_t first, std::size_t n, bool normals, bool second) {
    core::rng_key k = info.key;
    if (normals) {
      k.stream = core::rng_stream::noise;
      core::fill_normal(k, first, std::span<float>(z, n));
    } else {
      std::fill_n(z, n, 0.0f);
    }
    k.stream = core::rng_stream::rounding;
    core::fill_uniform(k, first, std::span<float>(u1, n));
    if (second) {
      k.stream = core::rng_stream::rounding2;
      core::fill_uniform(k, first, std::span<float>(u2, n));
    }
  }
};

}  // namespace

sgld_lowp::sgld_lowp(std::size_t dim, double temperature, const precision_params& p)
    : dim_(dim),
      temperature_(temperature),
      p_(p),
      name_(name_of(p)),
      fixed_step_(std::ldexp(1.0f, -p.fraction_bits)) {
  SGMC_ASSERT(temperature >= 0.0, "sgld_lowp: temperature must be >= 0");
  SGMC_ASSERT(p.weights != weights_format::fp32 && validate(p).has_value(),
              "sgld_lowp: needs a valid 8-bit precision");
}

std::size_t sgld_lowp::state_bytes() const {
  return q_.size() + exp_.size() + acc_.size() * sizeof(float);
}

float sgld_lowp::step_of(std::size_t i) const {
  if (p_.weights == weights_format::fixed8) return fixed_step_;
  return lowp::bfp_step(exp_[i / p_.block_size]);
}

void sgld_lowp::materialize(std::span<float> theta) const {
  SGMC_ASSERT(p_.accumulator == accumulator_kind::low && loaded_ && theta.size() == dim_,
              "sgld_lowp::materialize: needs the low accumulator, loaded, and dim values");
  for (std::size_t i = 0; i < dim_; ++i) theta[i] = static_cast<float>(q_[i]) * step_of(i);
}

void sgld_lowp::load(std::span<const float> theta) {
  if (p_.accumulator == accumulator_kind::full) {
    acc_.assign(theta.begin(), theta.end());
    loaded_ = true;
    return;
  }
  q_.resize(dim_);
  const bool bfp = p_.weights == weights_format::bfp8;
  const std::size_t g = bfp ? p_.block_size : std::max<std::size_t>(dim_, 1);
  exp_.assign(bfp ? (dim_ + g - 1) / g : 0, 0);
  for (std::size_t s = 0; s < dim_; s += g) {
    const std::size_t m = std::min(g, dim_ - s);
    float delta = fixed_step_;
    if (bfp) {
      const int e = lowp::bfp_exponent(max_abs(theta.data() + s, m));
      exp_[s / g] = static_cast<std::int8_t>(e);
      delta = lowp::bfp_step(e);
    }
    const float inv = 1.0f / delta;
    for (std::size_t j = s; j < s + m; ++j)
      q_[j] = static_cast<std::int8_t>(lowp::round_nearest(theta[j] * inv));
  }
  loaded_ = true;
}

bool sgld_lowp::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sgld_lowp: vector length != dim");
  if (!loaded_) load(theta);
  float* th = theta.data();
  const float* g = grad.data();
  const bool full = p_.accumulator == accumulator_kind::full;
  return detail::for_each_block(dim_, [&](std::size_t b, std::size_t n) {
    return full ? block_full(b, n, th, g, info) : block_low(b, n, th, g, info);
  });
}

bool sgld_lowp::block_full(std::size_t b, std::size_t n, float* theta, const float* grad,
                           const step_info& info) {
  block_draws d;
  d.fill(info, info.offset + b, n, is_stochastic(), false);
  const auto drift = static_cast<float>(0.5 * info.step_size);
  const auto sd = static_cast<float>(std::sqrt(info.step_size * temperature_));
  float* a = acc_.data() + b;
  for (std::size_t j = 0; j < n; ++j) a[j] = a[j] - drift * grad[b + j] + sd * d.z[j];
  const bool finite = detail::all_finite(a, n);
  const bool bfp = p_.weights == weights_format::bfp8;
  const std::size_t gsz = bfp ? p_.block_size : n;
  for (std::size_t s = 0; s < n; s += gsz) {
    const std::size_t m = std::min(gsz, n - s);
    const float delta = bfp ? lowp::bfp_step(lowp::bfp_exponent(max_abs(a + s, m))) : fixed_step_;
    const float inv = 1.0f / delta;
    const float* u1 = d.u1;  // a plain pointer: GCC vectorises no access to d's arrays
    for (std::size_t j = s; j < s + m; ++j)
      theta[b + j] = lowp::round_stochastic(a[j] * inv, u1[j]) * delta;
  }
  return finite;
}

bool sgld_lowp::block_low(std::size_t b, std::size_t n, float* theta, const float* grad,
                          const step_info& info) {
  const bool vc = p_.quantizer == quantizer_kind::vc;
  const bool bfp = p_.weights == weights_format::bfp8;
  const double var = info.step_size * temperature_;
  // u2 serves Q_vc's second case only: with fixed8 it is known per step whether it occurs
  // (the same expression as v below, so that both agree on the case)
  const float inv_fixed = 1.0f / fixed_step_;
  const auto v_fixed = static_cast<float>(var * inv_fixed * inv_fixed);
  block_draws d;
  d.fill(info, info.offset + b, n, is_stochastic(), vc && (bfp || !(v_fixed > 0.25f)));
  const auto drift = static_cast<float>(0.5 * info.step_size);
  const auto sd = static_cast<float>(std::sqrt(var));
  const std::size_t gsz = bfp ? p_.block_size : n;
  std::int8_t* q = q_.data() + b;
  alignas(64) float mu[kBlock];
  for (std::size_t s = 0; s < n; s += gsz) {  // μ = θ − (ε/2)∇Û, θ = q·Δ on the old grid
    const float old = step_of(b + s);
    for (std::size_t j = s; j < std::min(n, s + gsz); ++j)
      mu[j] = static_cast<float>(q[j]) * old - drift * grad[b + j];
  }
  const bool finite = detail::all_finite(mu, n);
  if (!vc)
    for (std::size_t j = 0; j < n; ++j) mu[j] += sd * d.z[j];  // x = μ + √(εT) ξ, then SR
  for (std::size_t s = 0; s < n; s += gsz) {
    const std::size_t m = std::min(gsz, n - s);
    float delta = fixed_step_;
    if (bfp) {
      const float top = max_abs(mu + s, m);
      const int e = vc ? lowp::bfp_exponent_vc(top, sd) : lowp::bfp_exponent(top);
      exp_[(b + s) / p_.block_size] = static_cast<std::int8_t>(e);
      delta = lowp::bfp_step(e);
    }
    const float inv = 1.0f / delta;
    const auto v = static_cast<float>(var * inv * inv);  // εT in grid units²
    alignas(64) float r[kBlock];  // the new θ in grid units; one branch-free loop per case
    const float *z = d.z, *u1 = d.u1, *u2 = d.u2;  // plain pointers: these loops vectorise
    if (!vc) {
      for (std::size_t j = s; j < s + m; ++j) r[j] = lowp::round_stochastic(mu[j] * inv, u1[j]);
    } else if (v > 0.25f) {
      const float sd_extra = std::sqrt(v - 0.25f);
      for (std::size_t j = s; j < s + m; ++j)
        r[j] = lowp::quantize_vc_wide(mu[j] * inv, sd_extra, z[j], u1[j]);
    } else {
      for (std::size_t j = s; j < s + m; ++j)
        r[j] = lowp::quantize_vc_narrow(mu[j] * inv, v, u1[j], u2[j]);
    }
    for (std::size_t j = s; j < s + m; ++j) {
      q[j] = static_cast<std::int8_t>(r[j]);
      theta[b + j] = r[j] * delta;
    }
  }
  return finite;
}

std::vector<float> sgld_lowp::save_state() const {
  std::vector<float> s{loaded_ ? 1.0f : 0.0f, static_cast<float>(q_.size()),
                       static_cast<float>(exp_.size()), static_cast<float>(acc_.size())};
  s.insert(s.end(), q_.begin(), q_.end());
  s.insert(s.end(), exp_.begin(), exp_.end());
  s.insert(s.end(), acc_.begin(), acc_.end());
  return s;
}

bool sgld_lowp::load_state(std::span<const float> state) {
  if (state.size() < 4) return false;
  const auto nq = static_cast<std::size_t>(state[1]);
  const auto ne = static_cast<std::size_t>(state[2]);
  const auto na = static_cast<std::size_t>(state[3]);
  if ((nq != 0 && nq != dim_) || (na != 0 && na != dim_) || ne > dim_ ||
      state.size() != 4 + nq + ne + na)
    return false;
  const auto q = state.subspan(4, nq);
  const auto e = state.subspan(4 + nq, ne);
  const auto a = state.subspan(4 + nq + ne, na);
  q_.assign(q.size(), 0);
  std::transform(q.begin(), q.end(), q_.begin(),
                 [](float x) { return static_cast<std::int8_t>(x); });
  exp_.assign(e.size(), 0);
  std::transform(e.begin(), e.end(), exp_.begin(),
                 [](float x) { return static_cast<std::int8_t>(x); });
  acc_.assign(a.begin(), a.end());
  loaded_ = state[0] != 0.0f;
  return true;
}

}  // namespace sgmc::samplers
