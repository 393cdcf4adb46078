#include "rng_paths.hpp"

#if defined(SGMC_RNG_AVX512) && defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>

// The AVX-512 path: Philox on 16 counters per register and Box–Muller on 16 pairs at once, with
// the scalar path's arithmetic operation for operation (rng_paths.hpp), hence its bits. This file
// alone is compiled with -mavx512f -mavx512dq, in every build, and only called after a run-time
// check of the CPU (rng.cpp): every helper stays in an unnamed namespace, so that no AVX-512 copy
// of an inline function can be picked by the linker for the rest of the library.

namespace sgmc::core::paths {
namespace avx512 {
namespace {

inline __m512i bcast(u32 v) { return _mm512_set1_epi32(static_cast<int>(v)); }

// hi:lo = x * m per 32-bit lane: vpmuludq on the even lanes, then on the odd ones, merged with
// masked in-lane shuffles. (Keeping words in 64-bit lanes instead, which needs no merging, was
// measured slower here.)
inline void mulhilo(__m512i x, __m512i m, __m512i& hi, __m512i& lo) {
  const __m512i pe = _mm512_mul_epu32(x, m);
  const __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_DDBB);
  lo = _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CCAA);
}

// The stream's constants (normal_filler::constants, made by make_constants).
using plan = constants;

struct words {
  __m512i w[4];
};

// Philox4x32-10 on G groups of 16 consecutive counters starting at block `first`.
template <int G>
inline void philox_rounds(const plan& p, u32 first, words (&s)[G]) {
  const __m512i m0 = bcast(kM0), m1 = bcast(kM1);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int g = 0; g < G; ++g) {
    __m512i hi0, lo0, hi1, lo1;
    mulhilo(_mm512_add_epi32(bcast(first + 16u * static_cast<u32>(g)), lane), m0, hi0, lo0);
    const __m512i y2 = _mm512_xor_si512(hi0, bcast(p.c3 ^ p.kb[0]));  // round 1
    mulhilo(y2, m1, hi1, lo1);                                        // round 2
    s[g].w[0] = _mm512_xor_si512(hi1, bcast(p.r1_y1 ^ p.ka[1]));
    s[g].w[1] = lo1;
    s[g].w[2] = _mm512_xor_si512(lo0, bcast(p.r2_hi0 ^ p.kb[1]));
    s[g].w[3] = bcast(p.r2_lo0);
  }
  for (int r = 2; r < 10; ++r) {
    const __m512i ka = bcast(p.ka[r]), kb = bcast(p.kb[r]);
    for (int g = 0; g < G; ++g) {
      __m512i hi0, lo0, hi1, lo1;
      mulhilo(s[g].w[0], m0, hi0, lo0);
      mulhilo(s[g].w[2], m1, hi1, lo1);
      s[g].w[0] = _mm512_ternarylogic_epi32(hi1, s[g].w[1], ka, 0x96);
      s[g].w[1] = lo1;
      s[g].w[2] = _mm512_ternarylogic_epi32(hi0, s[g].w[3], kb, 0x96);
      s[g].w[3] = lo0;
    }
  }
}

// √(−2 ln u) on 16 radius words, as the scalar path (rng_paths.hpp).
inline __m512 radius(__m512i w) {
  const __m512 u = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 1)),
                                   _mm512_set1_ps(kTwoPow31Inv), _mm512_set1_ps(kTwoPow32Inv));
  const __m512i ib = _mm512_sub_epi32(_mm512_castps_si512(u), bcast(kSqrtHalfBits));
  const __m512 e = _mm512_cvtepi32_ps(_mm512_srai_epi32(ib, 23));
  const __m512i mbits =
      _mm512_add_epi32(_mm512_and_si512(ib, bcast(0x007fffffu)), bcast(kSqrtHalfBits));
  const __m512 f = _mm512_sub_ps(_mm512_castsi512_ps(mbits), _mm512_set1_ps(1.0f));
  __m512 l = _mm512_set1_ps(kLog[0]);
  for (std::size_t k = 1; k < std::size(kLog); ++k)
    l = _mm512_fmadd_ps(l, f, _mm512_set1_ps(kLog[k]));
  return _mm512_sqrt_ps(_mm512_fnmadd_ps(f, l, _mm512_mul_ps(e, _mm512_set1_ps(kMinusTwoLn2))));
}

inline void sincos(__m512i w, __m512& sn, __m512& cs) {
  const __m512 x =
      _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_slli_epi32(w, 2)), _mm512_set1_ps(kAngle));
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 ps = _mm512_fmadd_ps(_mm512_set1_ps(kS3), z, _mm512_set1_ps(kS2));
  ps = _mm512_fmadd_ps(ps, z, _mm512_set1_ps(kS1));
  const __m512 sp = _mm512_fmadd_ps(ps, _mm512_mul_ps(z, x), x);
  __m512 pc = _mm512_fmadd_ps(_mm512_set1_ps(kC3), z, _mm512_set1_ps(kC2));
  pc = _mm512_fmadd_ps(pc, z, _mm512_set1_ps(kC1));
  const __m512 one_half = _mm512_fmadd_ps(_mm512_set1_ps(-0.5f), z, _mm512_set1_ps(1.0f));
  const __m512 cp = _mm512_fmadd_ps(pc, _mm512_mul_ps(z, z), one_half);
  const __m512i q = _mm512_add_epi32(w, bcast(1u << 29)), qc = _mm512_add_epi32(w, bcast(3u << 29));
  const __mmask16 odd = _mm512_test_epi32_mask(q, bcast(1u << 30));
  const __m512i sign = bcast(0x80000000u);
  const __m512i s = _mm512_castps_si512(_mm512_mask_blend_ps(odd, sp, cp));
  const __m512i c = _mm512_castps_si512(_mm512_mask_blend_ps(odd, cp, sp));
  sn = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(s, q, sign, 0x78));  // s ^ (q & sign)
  cs = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(c, qc, sign, 0x78));
}

// Writes the 4×16 matrix [a; b; c; d] (row w = word w of 16 counters) in element order:
// out[4j + w] = row w, lane j.
inline void store_transposed(__m512 a, __m512 b, __m512 c, __m512 d, void* out) {
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi =
      _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512d ab_lo = _mm512_castps_pd(_mm512_permutex2var_ps(a, lo, b));
  const __m512d ab_hi = _mm512_castps_pd(_mm512_permutex2var_ps(a, hi, b));
  const __m512d cd_lo = _mm512_castps_pd(_mm512_permutex2var_ps(c, lo, d));
  const __m512d cd_hi = _mm512_castps_pd(_mm512_permutex2var_ps(c, hi, d));
  const __m512i qlo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i qhi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  double* o = static_cast<double*>(out);
  _mm512_storeu_pd(o, _mm512_permutex2var_pd(ab_lo, qlo, cd_lo));
  _mm512_storeu_pd(o + 8, _mm512_permutex2var_pd(ab_lo, qhi, cd_lo));
  _mm512_storeu_pd(o + 16, _mm512_permutex2var_pd(ab_hi, qlo, cd_hi));
  _mm512_storeu_pd(o + 24, _mm512_permutex2var_pd(ab_hi, qhi, cd_hi));
}

// Box–Muller on one group: pairs (w0, w1) and (w2, w3) of every counter.
inline void store_normals(const words& s, float* out) {
  __m512 s1, c1, s3, c3;
  sincos(s.w[1], s1, c1);
  sincos(s.w[3], s3, c3);
  const __m512 r0 = radius(s.w[0]), r2 = radius(s.w[2]);
  store_transposed(_mm512_mul_ps(r0, c1), _mm512_mul_ps(r0, s1), _mm512_mul_ps(r2, c3),
                   _mm512_mul_ps(r2, s3), out);
}

inline __m512 as_ps(__m512i x) { return _mm512_castsi512_ps(x); }

inline __m512 uniform24(__m512i w) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8)), _mm512_set1_ps(kTwoPow24Inv));
}

// Two groups at a time keep both ports busy through Philox's multiply latency.
template <class Out, class Store>
void run_groups(const plan& p, u64 first_block, std::size_t n_groups, Out* out, Store store) {
  const u32 first = static_cast<u32>(first_block);
  std::size_t g = 0;
  for (; g + 2 <= n_groups; g += 2) {
    words s[2];
    philox_rounds<2>(p, first + 16u * static_cast<u32>(g), s);
    store(s[0], out + kGroup * g);
    store(s[1], out + kGroup * (g + 1));
  }
  if (g < n_groups) {
    words s[1];
    philox_rounds<1>(p, first + 16u * static_cast<u32>(g), s);
    store(s[0], out + kGroup * g);
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

}  // namespace avx512
}  // namespace sgmc::core::paths
#endif
