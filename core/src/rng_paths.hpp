#pragma once
// What the parts of the generator share (private to core/src):
//   rng.cpp         the API (fill_*, normal_filler, philox_engine), the per-stream constants and
//                   the choice of path at run time
//   rng_scalar.cpp  the scalar path: the reference, and the fallback without AVX2
//   rng_avx2.cpp    the AVX2+FMA path: 8 counters per register, the same arithmetic; compiled
//                   with -mavx2 -mfma alone, called only on CPUs that have both
//   rng_avx512.cpp  the AVX-512 path: 16 counters per register, the same arithmetic
// Every operation of a vector path has its scalar twin (fma for fma, the same table, the same
// rounding), so both give the same bits; tests/core checks this, and checks the raw Philox
// words against Random123 itself.
//
// A path fills whole groups: n_groups × 64 outputs, the words of the 16 counters
// first_block + 16 g .. first_block + 16 g + 15 in element order.

#include "sgmc/core/rng.hpp"

#include <Random123/philox.h>

#include <cstddef>
#include <cstdint>
#include <numbers>

namespace sgmc::core::paths {

__extension__ using u128 = unsigned __int128;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using philox = r123::Philox4x32;
using constants = normal_filler::constants;

inline philox::key_type make_key(const rng_key& k) {
  return {{static_cast<u32>(k.seed), static_cast<u32>(k.seed >> 32)}};
}

inline philox::ctr_type make_ctr(const rng_key& k, u64 block) {
  return {{static_cast<u32>(block), static_cast<u32>(k.stream), static_cast<u32>(k.step), k.chain}};
}

inline constexpr u32 kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox4x32 multipliers
inline constexpr u32 kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

/// Elements per group: 16 Philox counters of four words each.
inline constexpr std::size_t kGroup = 64;

// ---- Box–Muller, the arithmetic every path does ---------------------------------------------
// radius: √(−2 ln u), u = (⌊w/2⌋ + ½) / 2^31 in (0, 1) (the radius word's top 31 bits), with no
// table and no branch: u = m·2^e, m in [√½, √2) by integer arithmetic on u's bits, and
//   −2 ln u = −2 ln2 · e − f L(f),   f = m − 1,   L(f) ≈ 2 ln(1 + f) / f,
// L a degree-6 polynomial fitted for sgmc on f in [√½ − 1, √2 − 1] (|f L(f) − 2 ln(1 + f)| < 1e-6
// in float; Horner's rule, one fma per coefficient, highest degree first).
// angle: 2π w / 2^32 = quadrant·π/2 + φ, φ in [−π/4, π/4), and Cephes' sinf/cosf polynomials.
inline constexpr u32 kSqrtHalfBits = 0x3f3504f3u;  // the bits of float(√½)
inline constexpr float kMinusTwoLn2 = static_cast<float>(-2.0 * std::numbers::ln2);
inline constexpr float kTwoPow31Inv = 1.0f / 2147483648.0f, kTwoPow32Inv = 0.5f * kTwoPow31Inv;
inline constexpr float kLog[] = {2.442179024e-01f,  -3.756540120e-01f, 4.090953469e-01f,
                                 -4.979359210e-01f, 6.663205624e-01f,  -1.000028014e+00f,
                                 2.000001669e+00f};
inline constexpr float kAngle = static_cast<float>(2.0 * std::numbers::pi / 17179869184.0);
inline constexpr float kS3 = -1.9515295891e-4f, kS2 = 8.3321608736e-3f, kS1 = -1.6666654611e-1f;
inline constexpr float kC3 = 2.443315711809948e-5f, kC2 = -1.388731625493765e-3f,
                       kC1 = 4.166664568298827e-2f;
inline constexpr float kTwoPow24Inv = 1.0f / 16777216.0f;

// ---- the paths' group kernels ---------------------------------------------------------------
namespace scalar {
void normal_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                   float* out);
void uniform_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                    float* out);
void bits_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                 u32* out);
/// Four normals from one counter's words: (w0, w1) and (w2, w3) are Box–Muller pairs.
void normals_from_words(const u32 w[4], float* out);
}  // namespace scalar

#if defined(SGMC_RNG_AVX2)
namespace avx2 {
void normal_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                   float* out);
void uniform_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                    float* out);
void bits_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                 u32* out);
}  // namespace avx2
#endif

#if defined(SGMC_RNG_AVX512)
namespace avx512 {
void normal_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                   float* out);
void uniform_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                    float* out);
void bits_groups(const rng_key& key, const constants& c, u64 first_block, std::size_t n_groups,
                 u32* out);
}  // namespace avx512
#endif

}  // namespace sgmc::core::paths
