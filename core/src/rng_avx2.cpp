#include "rng_paths.hpp"

#if defined(SGMC_RNG_AVX2) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

// The AVX2 (+FMA) path: Philox on 8 counters per register (a group of 16 counters is two
// halves) and Box–Muller on 8 pairs at once, with the scalar path's arithmetic operation for
// operation (rng_paths.hpp), hence its bits. This file alone is compiled with -mavx2 -mfma and
// only called after a run-time check of the CPU (rng.cpp): every helper stays in an unnamed
// namespace, so that no AVX2 copy of an inline function can be picked by the linker for the
// rest of the library.

namespace sgmc::core::paths::avx2 {
namespace {

using plan = constants;

inline __m256i bcast(u32 v) { return _mm256_set1_epi32(static_cast<int>(v)); }
inline __m256i lane_index() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

// hi:lo = x * m per 32-bit lane (m broadcast): vpmuludq on the even lanes, then on the odd ones,
// merged with shifts and blends.
inline void mulhilo(__m256i x, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i pe = _mm256_mul_epu32(x, m);
  const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
  lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

inline __m256i xor3(__m256i a, __m256i b, __m256i c) {
  return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
}

struct words {
  __m256i w[4];
};

// Philox4x32-10 on H halves of 8 consecutive counters starting at block `first`; rounds 1 and 2
// use the stream's precomputed parts (rng.cpp, make_constants), as the AVX-512 path does.
template <int H>
inline void philox_rounds(const plan& p, u32 first, words (&s)[H]) {
  const __m256i m0 = bcast(kM0), m1 = bcast(kM1);
  for (int h = 0; h < H; ++h) {
    __m256i hi0, lo0, hi1, lo1;
    mulhilo(_mm256_add_epi32(bcast(first + 8u * static_cast<u32>(h)), lane_index()), m0, hi0, lo0);
    const __m256i y2 = _mm256_xor_si256(hi0, bcast(p.c3 ^ p.kb[0]));  // round 1
    mulhilo(y2, m1, hi1, lo1);                                        // round 2
    s[h].w[0] = _mm256_xor_si256(hi1, bcast(p.r1_y1 ^ p.ka[1]));
    s[h].w[1] = lo1;
    s[h].w[2] = _mm256_xor_si256(lo0, bcast(p.r2_hi0 ^ p.kb[1]));
    s[h].w[3] = bcast(p.r2_lo0);
  }
  for (int r = 2; r < 10; ++r) {
    const __m256i ka = bcast(p.ka[r]), kb = bcast(p.kb[r]);
    for (int h = 0; h < H; ++h) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo(s[h].w[0], m0, hi0, lo0);
      mulhilo(s[h].w[2], m1, hi1, lo1);
      s[h].w[0] = xor3(hi1, s[h].w[1], ka);
      s[h].w[1] = lo1;
      s[h].w[2] = xor3(hi0, s[h].w[3], kb);
      s[h].w[3] = lo0;
    }
  }
}

// √(−2 ln u) on 8 radius words, as the scalar path (rng_paths.hpp).
inline __m256 radius(__m256i w) {
  const __m256 u = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w, 1)),
                                   _mm256_set1_ps(kTwoPow31Inv), _mm256_set1_ps(kTwoPow32Inv));
  const __m256i ib = _mm256_sub_epi32(_mm256_castps_si256(u), bcast(kSqrtHalfBits));
  const __m256 e = _mm256_cvtepi32_ps(_mm256_srai_epi32(ib, 23));
  const __m256i mbits =
      _mm256_add_epi32(_mm256_and_si256(ib, bcast(0x007fffffu)), bcast(kSqrtHalfBits));
  const __m256 f = _mm256_sub_ps(_mm256_castsi256_ps(mbits), _mm256_set1_ps(1.0f));
  __m256 l = _mm256_set1_ps(kLog[0]);
  for (std::size_t k = 1; k < std::size(kLog); ++k)
    l = _mm256_fmadd_ps(l, f, _mm256_set1_ps(kLog[k]));
  return _mm256_sqrt_ps(_mm256_fnmadd_ps(f, l, _mm256_mul_ps(e, _mm256_set1_ps(kMinusTwoLn2))));
}

inline void sincos(__m256i w, __m256& sn, __m256& cs) {
  const __m256 x =
      _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_slli_epi32(w, 2)), _mm256_set1_ps(kAngle));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 ps = _mm256_fmadd_ps(_mm256_set1_ps(kS3), z, _mm256_set1_ps(kS2));
  ps = _mm256_fmadd_ps(ps, z, _mm256_set1_ps(kS1));
  const __m256 sp = _mm256_fmadd_ps(ps, _mm256_mul_ps(z, x), x);
  __m256 pc = _mm256_fmadd_ps(_mm256_set1_ps(kC3), z, _mm256_set1_ps(kC2));
  pc = _mm256_fmadd_ps(pc, z, _mm256_set1_ps(kC1));
  const __m256 one_half = _mm256_fmadd_ps(_mm256_set1_ps(-0.5f), z, _mm256_set1_ps(1.0f));
  const __m256 cp = _mm256_fmadd_ps(pc, _mm256_mul_ps(z, z), one_half);
  const __m256i q = _mm256_add_epi32(w, bcast(1u << 29)), qc = _mm256_add_epi32(w, bcast(3u << 29));
  // odd quadrant: bit 30 of q, moved to the sign bit for blendv.
  const __m256 odd = _mm256_castsi256_ps(_mm256_slli_epi32(q, 1));
  const __m256i sign = bcast(0x80000000u);
  const __m256i s = _mm256_castps_si256(_mm256_blendv_ps(sp, cp, odd));
  const __m256i c = _mm256_castps_si256(_mm256_blendv_ps(cp, sp, odd));
  sn = _mm256_castsi256_ps(_mm256_xor_si256(s, _mm256_and_si256(q, sign)));
  cs = _mm256_castsi256_ps(_mm256_xor_si256(c, _mm256_and_si256(qc, sign)));
}

// Writes the 4×8 matrix [a; b; c; d] (row w = word w of 8 counters) in element order:
// out[4j + w] = row w, lane j.
inline void store_transposed(__m256 a, __m256 b, __m256 c, __m256 d, void* out) {
  const __m256d ab_lo = _mm256_castps_pd(_mm256_unpacklo_ps(a, b));  // a0 b0 a1 b1 | a4 b4 a5 b5
  const __m256d ab_hi = _mm256_castps_pd(_mm256_unpackhi_ps(a, b));  // a2 b2 a3 b3 | a6 b6 a7 b7
  const __m256d cd_lo = _mm256_castps_pd(_mm256_unpacklo_ps(c, d));
  const __m256d cd_hi = _mm256_castps_pd(_mm256_unpackhi_ps(c, d));
  const __m256d t0 = _mm256_unpacklo_pd(ab_lo, cd_lo);  // counters 0 | 4
  const __m256d t1 = _mm256_unpackhi_pd(ab_lo, cd_lo);  // 1 | 5
  const __m256d t2 = _mm256_unpacklo_pd(ab_hi, cd_hi);  // 2 | 6
  const __m256d t3 = _mm256_unpackhi_pd(ab_hi, cd_hi);  // 3 | 7
  double* o = static_cast<double*>(out);
  _mm256_storeu_pd(o, _mm256_permute2f128_pd(t0, t1, 0x20));
  _mm256_storeu_pd(o + 4, _mm256_permute2f128_pd(t2, t3, 0x20));
  _mm256_storeu_pd(o + 8, _mm256_permute2f128_pd(t0, t1, 0x31));
  _mm256_storeu_pd(o + 12, _mm256_permute2f128_pd(t2, t3, 0x31));
}

// Box–Muller on one half: pairs (w0, w1) and (w2, w3) of every counter.
inline void store_normals(const words& s, float* out) {
  __m256 s1, c1, s3, c3;
  sincos(s.w[1], s1, c1);
  sincos(s.w[3], s3, c3);
  const __m256 r0 = radius(s.w[0]), r2 = radius(s.w[2]);
  store_transposed(_mm256_mul_ps(r0, c1), _mm256_mul_ps(r0, s1), _mm256_mul_ps(r2, c3),
                   _mm256_mul_ps(r2, s3), out);
}

inline __m256 as_ps(__m256i x) { return _mm256_castsi256_ps(x); }

inline __m256 uniform24(__m256i w) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w, 8)), _mm256_set1_ps(kTwoPow24Inv));
}

// One group (16 counters, 64 outputs) at a time, as two halves of 8 counters, which keeps two
// independent multiply chains in flight through Philox's latency.
template <class Out, class Store>
void run_groups(const plan& p, u64 first_block, std::size_t n_groups, Out* out, Store store) {
  const u32 first = static_cast<u32>(first_block);
  for (std::size_t g = 0; g < n_groups; ++g) {
    words s[2];
    philox_rounds<2>(p, first + 16u * static_cast<u32>(g), s);
    store(s[0], out + kGroup * g);
    store(s[1], out + kGroup * g + kGroup / 2);
  }
}

}  // namespace

void normal_groups(const rng_key&, const plan& p, u64 first_block, std::size_t n_groups,
                   float* out) {
  run_groups(p, first_block, n_groups, out, [](const words& s, float* o) { store_normals(s, o); });
}

void uniform_groups(const rng_key&, const plan& p, u64 first_block, std::size_t n_groups,
                    float* out) {
  run_groups(p, first_block, n_groups, out, [](const words& s, float* o) {
    store_transposed(uniform24(s.w[0]), uniform24(s.w[1]), uniform24(s.w[2]), uniform24(s.w[3]), o);
  });
}

void bits_groups(const rng_key&, const plan& p, u64 first_block, std::size_t n_groups, u32* out) {
  run_groups(p, first_block, n_groups, out, [](const words& s, u32* o) {
    store_transposed(as_ps(s.w[0]), as_ps(s.w[1]), as_ps(s.w[2]), as_ps(s.w[3]), o);
  });
}

}  // namespace sgmc::core::paths::avx2
#endif
