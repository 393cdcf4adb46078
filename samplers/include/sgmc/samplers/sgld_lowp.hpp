#pragma once
// Low-precision SGLD (Zhang, Wilson & De Sa, ICML 2022, arXiv:2206.09909) with 8-bit θ: the
// kernel of `sampler.kind = "sgld"` when `precision.weights` is fixed8 or bfp8. In sgmc's SGLD
// convention (sgld.hpp: θ ← θ − (ε/2)∇Û + √(εT)ξ; the paper writes θ − α∇Ũ + √(2α)ξ, so
// α = ε/2 and the noise variance v = 2α = εT), with Q a quantiser onto the 8-bit grid
// (quantize.hpp) and ξ ~ N(0, I):
//   accumulator full (SGLDLP-F, the paper's §3 update with full-precision accumulators):
//     a ← a − (ε/2) ∇Û(θ) + √(εT) ξ;   θ ← Q_SR(a)
//     a is an fp32 accumulator (kernel state), θ the stochastically rounded 8-bit weights at
//     which the caller evaluates the next gradient: ∇Û(Q(a)).
//   accumulator low, quantizer naive (naive SGLDLP-L):
//     θ ← Q_SR(θ − (ε/2) ∇Û(θ) + √(εT) ξ)
//     the rounding adds up to Δ²/4 (about Δ²/6 on average) to each step's variance εT: on
//     N(0, 1) with Δ² comparable to ε the sampled variance is inflated by about Δ²/(6ε).
//   accumulator low, quantizer vc (VC SGLDLP-L, §4, Algorithm 2):
//     θ ← Q_vc(θ − (ε/2) ∇Û(θ), εT)
//     a draw on the grid with exactly the step's mean and variance (quantize.hpp).
// With T = 0 no normal is drawn: full is SGD with rounded weights; low is Q_SR(θ − (ε/2)∇Û).
// Gradients are used as given (fp32); the paper also quantises them, which a caller may do.
//
// Storage. The low accumulator keeps θ only as int8 q (1 byte per parameter) plus, for bfp8,
// one int8 exponent per block (1/block_size bytes): state_bytes() = dim + ⌈dim/block⌉. The float
// θ the rest of sgmc sees (the span passed to step) is a view: each step writes θ_i = q_i·Δ
// into it, for the model's gradient and for the draws; the kernel never reads it back except to
// load its state at the first step after construction or reset() (round to nearest). So the
// kernel owns θ: a caller must not change θ between steps without reset() (the chain restores θ
// and stops on divergence; protocols whose workers overwrite θ by pulls — downpour, elastic —
// are refused by the config). The full accumulator keeps a (4 bytes per parameter), loaded from
// θ likewise; its θ view is Q_SR(a). Memory traffic per element: low reads ∇Û and q, writes q
// and θ (10 bytes); full reads ∇Û and a, writes a and θ (12 bytes).
//
// Grids: fixed8 Δ = 2^−f for all elements; bfp8 Δ = 2^(e−6) per block of block_size elements
// (block b covers elements [b·block, (b+1)·block) of the slice), e = ⌊log2 max|x|⌋ over the
// values x being rounded: the new a (full), μ + √(εT)ξ (naive), as QPyTorch's block rounding;
// values rounding past 127Δ clamp. For vc, e = ⌊log2(1.03 (max|μ| + 7√(εT)))⌋
// (quantize.hpp, bfp_exponent_vc): one grid per block and step, known before the draws, wide
// enough that no draw of Q_vc is ever clamped, so its mean and variance stay exact. (The
// authors' code re-derives the exponent from x = μ + noise in Q_vc's first case; a grid from
// max|μ| alone would clamp the block's largest value below 2^(e+1) and never let e grow.)
//
// Randomness: element i's normal is core::fill_normal({info.key, noise}, offset + i), its
// uniforms fill_uniform({info.key, rounding}) and ({info.key, rounding2}) at offset + i, so a
// chain is reproducible and the same for any number of threads; a shard at offset o (a multiple
// of 256, which block_size divides) gets the full vector's bits.

#include "sgmc/samplers/precision.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sgmc::samplers {

class sgld_lowp final : public sampler {
 public:
  /// temperature >= 0 and p valid with weights != fp32 (asserted; make_sampler validates).
  sgld_lowp(std::size_t dim, double temperature, const precision_params& p);

  std::string name() const override { return name_; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override { loaded_ = false; }
  /// [loaded, |q|, |exp|, |acc|, q..., exp..., acc...] (int8 values are exact in float).
  std::vector<float> save_state() const override;
  bool load_state(std::span<const float> state) override;
  bool is_stochastic() const override { return temperature_ > 0.0; }

  /// Bytes of the kernel's own state: int8 weights and block exponents (low), or the fp32
  /// accumulator (full). 0 before the first step.
  std::size_t state_bytes() const;
  /// The int8 weights (low accumulator; empty for full or before the first step).
  std::span<const std::int8_t> weights() const { return q_; }
  /// The int8 block exponents (bfp8 with the low accumulator).
  std::span<const std::int8_t> exponents() const { return exp_; }
  /// θ as the low accumulator holds it: theta[i] = q_i·Δ (asserted: low, loaded, size dim).
  void materialize(std::span<float> theta) const;

 private:
  void load(std::span<const float> theta);
  bool block_low(std::size_t b, std::size_t n, float* theta, const float* grad,
                 const step_info& info);
  bool block_full(std::size_t b, std::size_t n, float* theta, const float* grad,
                  const step_info& info);
  float step_of(std::size_t i) const;  ///< Δ of element i's grid (low accumulator)

  std::size_t dim_;
  double temperature_;
  precision_params p_;
  std::string name_;
  float fixed_step_;  ///< fixed8: Δ = 2^−f
  bool loaded_ = false;
  std::vector<std::int8_t> q_;    ///< low: θ in grid units
  std::vector<std::int8_t> exp_;  ///< low, bfp8: e per block
  std::vector<float> acc_;        ///< full: the fp32 accumulator a
};

}  // namespace sgmc::samplers
