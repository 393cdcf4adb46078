#pragma once
// The 8-bit grids and quantisers of low-precision SGLD (sgld_lowp.hpp), on one value in grid
// units: s = x/Δ, so the grid is the integers q in [−128, 127] (int8) and a value is q·Δ.
//   fixed8  Δ = 2^−f for the whole vector (f = precision.fraction_bits)
//   bfp8    Δ = 2^(e−6) per block, e = ⌊log2 max|x|⌋ over the block (so max|x| < 128Δ), as
//           QPyTorch's BlockFloatingPoint(wl = 8) that Zhang et al. use; e is stored as int8
// Each function takes its uniform u ∈ [0, 1) (and normal z) from the caller, who draws them from
// core::rng by element index, so these are plain functions of their arguments (tests use them
// as the reference). Results are clamped to [−128, 127]; NaN becomes −128 (the kernel reports
// non-finite inputs itself).

#include <bit>
#include <cmath>
#include <cstdint>

namespace sgmc::samplers::lowp {

inline constexpr float kQmin = -128.0f;
inline constexpr float kQmax = 127.0f;
/// bfp8: Δ = 2^(e − kBfpShift); with e = ⌊log2 max|x|⌋ the block's largest value is < 128Δ.
inline constexpr int kBfpShift = 6;
/// bfp8: the exponent of an all-zero block (any e would do; this one keeps Δ a normal float).
inline constexpr int kBfpExpMin = -120;

/// Clamps to [−128, 127] with compares (they vectorise, where fmin/fmax become calls); NaN
/// gives −128.
inline float clamp_q(float s) { return !(s >= kQmin) ? kQmin : (s > kQmax ? kQmax : s); }

/// Round to nearest (half up): ⌊s + 1/2⌋.
inline float round_nearest(float s) { return clamp_q(std::floor(s + 0.5f)); }

/// Stochastic rounding: ⌊s + u⌋, i.e. ⌈s⌉ with probability s − ⌊s⌋; unbiased, variance
/// p(1 − p) with p = s − ⌊s⌋ (at most 1/4 grid units², Δ²/4).
inline float round_stochastic(float s, float u) { return clamp_q(std::floor(s + u)); }

/// The variance-corrected quantiser Q_vc(μ, v) of Zhang et al. (§4, Algorithm 2; checked against
/// the authors' code, gaussian/gaussian.py and bnn/optim.py `Q_vc`), in grid units: a draw
/// on the grid with mean μ and variance v, which is the Langevin noise of the step — so the
/// rounding adds no variance of its own. With var_fix = 1/4 (Δ²/4):
///  v > 1/4:  x = μ + √(v − 1/4) z;  n = nearest(x);  r = x − n,  m = |r| ≤ 1/2;
///            q = n + sign(r)·s,  s = +1 w.p. (1/4 + m² + m)/2,  −1 w.p. (1/4 + m² − m)/2,
///            else 0  (mean m, variance exactly 1/4: total variance v, mean μ)
///  v ≤ 1/4:  q0 = SR(μ) (variance p(1 − p), p = μ − ⌊μ⌋);  w = max(v − p(1 − p), 0);
///            q = q0 ± 1 each w.p. w/2  (variance max(v, p(1 − p)): exact unless SR alone
///            already exceeds v)
/// z ~ N(0, 1) is used when v > 1/4, u1 always, u2 when v ≤ 1/4.
inline float quantize_vc_wide(float mu, float sd_extra, float z, float u1) {
  const float x = mu + sd_extra * z;  // sd_extra = √(v − 1/4)
  const float n = std::floor(x + 0.5f);
  const float r = x - n;
  const float m = std::fabs(r);
  const float p_toward = 0.5f * (0.25f + m * m + m);
  const float p_away = 0.5f * (0.25f + m * m - m);
  // s = dir (u1 < p_toward), −dir (p_toward <= u1 < p_toward + p_away), else 0: as 2a − b of
  // two indicators, which vectorises where nested branches do not
  const float a = u1 < p_toward ? 1.0f : 0.0f;
  const float b = u1 < p_toward + p_away ? 1.0f : 0.0f;
  return clamp_q(n + std::copysign(1.0f, r) * (2.0f * a - b));
}
inline float quantize_vc_narrow(float mu, float v, float u1, float u2) {
  const float lo = std::floor(mu);
  const float p = mu - lo;
  const float q0 = lo + (u1 < p ? 1.0f : 0.0f);
  const float w = v - p * (1.0f - p);
  const float half_w = w > 0.0f ? 0.5f * w : 0.0f;
  const float a = u2 < half_w ? 1.0f : 0.0f;  // +1 w.p. w/2, −1 w.p. w/2 (2a − b as above)
  const float b = u2 < 2.0f * half_w ? 1.0f : 0.0f;
  return clamp_q(q0 + (2.0f * a - b));
}
inline float quantize_vc(float mu, float v, float z, float u1, float u2) {
  return v > 0.25f ? quantize_vc_wide(mu, std::sqrt(v - 0.25f), z, u1)
                   : quantize_vc_narrow(mu, v, u1, u2);
}

/// bfp8: the block exponent e of values whose largest magnitude is max_abs (≥ 0, finite):
/// ⌊log2 max_abs⌋, clamped to [kBfpExpMin, 127]; kBfpExpMin for 0.
inline int bfp_exponent(float max_abs) {
  // from the bits: the exponent field of a normal float (subnormals count as kBfpExpMin)
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(max_abs);
  if (!(max_abs > 0.0f) || (bits & 0x7f800000u) == 0x7f800000u) return kBfpExpMin;
  const int e = static_cast<int>((bits >> 23) & 0xffu) - 127;
  return e < kBfpExpMin ? kBfpExpMin : e;  // a finite float has e <= 127
}

/// |z| of core::fill_normal never reaches this (Box–Muller on 32-bit words: |z| < 6.7).
inline constexpr float kNormalBound = 7.0f;
/// Headroom of the variance-corrected bfp8 grid: a value up to 128/1.03 < 124.3 grid steps,
/// rounded and moved by one step, stays within [−126, 126].
inline constexpr float kVcRoom = 1.03f;

/// bfp8 with the VC quantiser: the block exponent for means of largest magnitude max_abs and
/// noise of std sd (√(εT)): ⌊log2(1.03 (max_abs + 7 sd))⌋. Every draw of Q_vc then lies inside
/// the block's range, so no value is ever clamped and Q_vc keeps its exact mean and variance.
/// (A grid from max|μ| alone would clamp the block's largest value at 127Δ < 2^(e+1), and the
/// exponent could then never grow again: the block's spread would only shrink.)
inline int bfp_exponent_vc(float max_abs, float sd) {
  return bfp_exponent(kVcRoom * (max_abs + kNormalBound * sd));
}

/// bfp8: Δ of a block with exponent e.
inline float bfp_step(int e) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(e - kBfpShift + 127) << 23);  // 2^(e−6)
}

}  // namespace sgmc::samplers::lowp
