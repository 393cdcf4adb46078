#include "rng_paths.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

// The scalar path: one Philox counter at a time (Random123's own), Box–Muller on one pair at a
// time. It is the reference the AVX-512 path is tested against, and the path without AVX-512.

namespace sgmc::core::paths {

const bm_tables& tables() {
  static const bm_tables t = [] {
    bm_tables r{};
    for (int k = 0; k < 32; ++k) {
      // Bin 31 holds m in [63/64, 1), where u is near 1 and −2 ln u tiny: c = 1 there makes
      // its value exact up to the polynomial's rounding (no cancellation against ln c).
      const double c = k < 16   ? 1.0 + (k + 0.5) / 32.0
                       : k < 31 ? 0.75 + (k - 16 + 0.5) / 64.0
                                : 1.0;
      const float inv = static_cast<float>(1.0 / c);
      r.inv[k] = -2.0f * inv;
      r.lnc[k] = static_cast<float>(2.0 * std::log(static_cast<double>(inv)));
    }
    return r;
  }();
  return t;
}

namespace scalar {
namespace {

float radius_scalar(u32 w, const bm_tables& t) {
  const float x = static_cast<float>(w | 1u);
  const u32 bits = std::bit_cast<u32>(x);
  const u32 mbits = (bits & 0x007fffffu) | ((bits & 0x00400000u) ? 0x3f000000u : 0x3f800000u);
  const float m = std::bit_cast<float>(mbits);  // getmant, [0.75, 1.5)
  float d = 32.0f - static_cast<float>(static_cast<int>((bits >> 23) & 0xffu) - 127);
  if (m < 1.0f) d = d - 1.0f;
  const u32 k = (mbits >> 18) & 31u;
  const float r = std::fma(m, t.inv[k], 2.0f);
  float q = std::fma(r, 1.0f / 32.0f, 1.0f / 12.0f);
  q = std::fma(q, r, 0.25f);
  const float p = std::fma(r * r, q, r);
  const float y = std::fma(d, kTwoLn2, t.lnc[k]) + p;
  return std::sqrt(y > 0.0f ? y : 0.0f);
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
  const bm_tables& t = tables();
  for (int p = 0; p < 2; ++p) {
    float s, c;
    sincos_scalar(w[2 * p + 1], s, c);
    const float r = radius_scalar(w[2 * p], t);
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
