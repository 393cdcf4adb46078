#include "rng_paths.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

// The scalar path: one Philox counter at a time (Random123's own), Box–Muller on one pair at a
// time. It is the reference the vectorised paths are tested against, and the path without AVX2.
// Every fma is an explicit std::fma, as the vector paths' are.

namespace sgmc::core::paths {

namespace scalar {
namespace {

float radius_scalar(u32 w) {
  const float u =
      std::fma(static_cast<float>(static_cast<std::int32_t>(w >> 1)), kTwoPow31Inv, kTwoPow32Inv);
  const u32 ib = std::bit_cast<u32>(u) - kSqrtHalfBits;  // u = m·2^e, m in [√½, √2)
  const float e = static_cast<float>(static_cast<std::int32_t>(ib) >> 23);
  const float f = std::bit_cast<float>((ib & 0x007fffffu) + kSqrtHalfBits) - 1.0f;
  float l = kLog[0];
  for (std::size_t k = 1; k < std::size(kLog); ++k) l = std::fma(l, f, kLog[k]);
  return std::sqrt(std::fma(-f, l, e * kMinusTwoLn2));
}

void sincos_scalar(u32 w, float& sn, float& cs) {
  const float x = static_cast<float>(static_cast<std::int32_t>(w << 2)) * kAngle;
  const float z = x * x;
  float ps = std::fma(kS3, z, kS2);
  ps = std::fma(ps, z, kS1);
  const float sp = std::fma(ps, z * x, x);
  float pc = std::fma(kC3, z, kC2);
  pc = std::fma(pc, z, kC1);
  const float cp = std::fma(pc, z * z, std::fma(-0.5f, z, 1.0f));
  const u32 q = w + (1u << 29), qc = w + (3u << 29);
  const bool odd = (q & (1u << 30)) != 0;
  sn = std::bit_cast<float>(std::bit_cast<u32>(odd ? cp : sp) ^ (q & 0x80000000u));
  cs = std::bit_cast<float>(std::bit_cast<u32>(odd ? sp : cp) ^ (qc & 0x80000000u));
}

}  // namespace

void normals_from_words(const u32 w[4], float* out) {
  for (int p = 0; p < 2; ++p) {
    float s, c;
    sincos_scalar(w[2 * p + 1], s, c);
    const float r = radius_scalar(w[2 * p]);
    out[2 * p] = r * c;
    out[2 * p + 1] = r * s;
  }
}

void bits_groups(const rng_key& key, const normal_filler::constants&, u64 first_block,
                 std::size_t n_groups, u32* out) {
  const auto k = make_key(key);
  philox gen;
  for (std::size_t b = 0; b < n_groups * 16; ++b) {
    const auto r = gen(make_ctr(key, first_block + b), k);
    std::copy_n(r.v, 4, out + 4 * b);
  }
}

void normal_groups(const rng_key& key, const normal_filler::constants& c, u64 first_block,
                   std::size_t n_groups, float* out) {
  u32 w[kGroup];
  for (std::size_t g = 0; g < n_groups; ++g) {
    bits_groups(key, c, first_block + 16 * g, 1, w);
    for (std::size_t j = 0; j < 16; ++j) normals_from_words(w + 4 * j, out + kGroup * g + 4 * j);
  }
}

void uniform_groups(const rng_key& key, const normal_filler::constants& c, u64 first_block,
                    std::size_t n_groups, float* out) {
  u32 w[kGroup];
  for (std::size_t g = 0; g < n_groups; ++g) {
    bits_groups(key, c, first_block + 16 * g, 1, w);
    for (std::size_t j = 0; j < kGroup; ++j)
      out[kGroup * g + j] = static_cast<float>(w[j] >> 8) * kTwoPow24Inv;
  }
}

}  // namespace scalar
}  // namespace sgmc::core::paths
