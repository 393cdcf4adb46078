#include "sgmc/core/rng.hpp"

#include <Random123/philox.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

// Two implementations of the same arithmetic: a scalar one (the reference, and the fallback on
// CPUs without AVX-512) and an AVX-512 one that runs Philox on 16 counters per register and
// Box–Muller on 16 pairs at once. Every operation of the vector path has its scalar twin
// (fma for fma, the same table, the same rounding), so both give the same bits; tests/core
// checks this, and checks the raw Philox words against Random123 itself.

namespace sgmc::core {
namespace {

__extension__ using u128 = unsigned __int128;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using philox = r123::Philox4x32;

inline philox::key_type make_key(const rng_key& k) {
  return {{static_cast<u32>(k.seed), static_cast<u32>(k.seed >> 32)}};
}

inline philox::ctr_type make_ctr(const rng_key& k, u64 block) {
  return {{static_cast<u32>(block), static_cast<u32>(k.stream), static_cast<u32>(k.step), k.chain}};
}

constexpr u32 kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox4x32 multipliers
constexpr u32 kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

// Only counter word 0 differs between the blocks of a stream, so round 1's second product and
// round 2's first are the same for every block: computed once, on scalars.
normal_filler::constants make_constants(const rng_key& key) {
  normal_filler::constants p{};
  const auto k = make_key(key);
  const auto c = make_ctr(key, 0);
  for (u32 r = 0; r < 10; ++r) {
    p.ka[r] = k.v[0] + r * kW0;
    p.kb[r] = k.v[1] + r * kW1;
  }
  p.c3 = c.v[3];
  const u64 p1 = u64{kM1} * c.v[2];
  const u32 r1_y0 = static_cast<u32>(p1 >> 32) ^ c.v[1] ^ p.ka[0];
  p.r1_y1 = static_cast<u32>(p1);
  const u64 p0 = u64{kM0} * r1_y0;
  p.r2_hi0 = static_cast<u32>(p0 >> 32);
  p.r2_lo0 = static_cast<u32>(p0);
  return p;
}

// Elements per group: 16 Philox counters of four words each.
constexpr std::size_t kGroup = 64;

// ---- Box–Muller, scalar -------------------------------------------------------------------
// radius: √(−2 ln u), u = float(w | 1) / 2^32 in (0, 1]. With x = float(w | 1) = m·2^e,
// m in [0.75, 1.5), and c_k the centre of m's bin (32 bins from the mantissa's top bits; 1 for
// the bin just below 1):
//   −2 ln u = 2 ln2 (32 − e) − 2 ln c_k − 2 ln(1 + r),  r = m/c_k − 1, |r| < 1/64,
// the last term a degree-4 Taylor polynomial in r' = −2r (truncation error < 1e-9).
// angle: 2π w / 2^32 = quadrant·π/2 + φ, φ in [−π/4, π/4), and Cephes' sinf/cosf polynomials.
struct bm_tables {
  alignas(64) float inv[32];  // −2 / c_k
  alignas(64) float lnc[32];  // −2 ln c_k, consistent with the rounded inv
};

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

constexpr float kTwoLn2 = static_cast<float>(2.0 * std::numbers::ln2);
constexpr float kAngle = static_cast<float>(2.0 * std::numbers::pi / 17179869184.0);  // 2π/2^34
constexpr float kS3 = -1.9515295891e-4f, kS2 = 8.3321608736e-3f, kS1 = -1.6666654611e-1f;
constexpr float kC3 = 2.443315711809948e-5f, kC2 = -1.388731625493765e-3f,
                kC1 = 4.166664568298827e-2f;
constexpr float kTwoPow24Inv = 1.0f / 16777216.0f;

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

// Four normals from one counter's words: (w0, w1) and (w2, w3) are Box–Muller pairs.
void normals_from_words(const u32 w[4], float* out, const bm_tables& t) {
  for (int p = 0; p < 2; ++p) {
    float s, c;
    sincos_scalar(w[2 * p + 1], s, c);
    const float r = radius_scalar(w[2 * p], t);
    out[2 * p] = r * c;
    out[2 * p + 1] = r * s;
  }
}

// ---- group kernels: n_groups × 64 outputs for counters first_block .. -----------------------
void bits_groups_scalar(const rng_key& key, const normal_filler::constants&, u64 first_block,
                        std::size_t n_groups, u32* out) {
  const auto k = make_key(key);
  philox gen;
  for (std::size_t b = 0; b < n_groups * 16; ++b) {
    const auto r = gen(make_ctr(key, first_block + b), k);
    std::copy_n(r.v, 4, out + 4 * b);
  }
}

void normal_groups_scalar(const rng_key& key, const normal_filler::constants& c, u64 first_block,
                          std::size_t n_groups, float* out) {
  const bm_tables& t = tables();
  u32 w[kGroup];
  for (std::size_t g = 0; g < n_groups; ++g) {
    bits_groups_scalar(key, c, first_block + 16 * g, 1, w);
    for (std::size_t c = 0; c < 16; ++c) normals_from_words(w + 4 * c, out + kGroup * g + 4 * c, t);
  }
}

void uniform_groups_scalar(const rng_key& key, const normal_filler::constants& c, u64 first_block,
                           std::size_t n_groups, float* out) {
  u32 w[kGroup];
  for (std::size_t g = 0; g < n_groups; ++g) {
    bits_groups_scalar(key, c, first_block + 16 * g, 1, w);
    for (std::size_t j = 0; j < kGroup; ++j)
      out[kGroup * g + j] = static_cast<float>(w[j] >> 8) * kTwoPow24Inv;
  }
}

#if defined(__AVX512F__)
// ---- AVX-512: 16 counters per register ------------------------------------------------------
namespace avx512 {

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
using plan = normal_filler::constants;

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

inline __m512 radius(__m512i w, const bm_tables& t) {
  const __m512 x = _mm512_cvtepu32_ps(_mm512_or_si512(w, bcast(1)));
  const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
  __m512 d = _mm512_sub_ps(_mm512_set1_ps(32.0f), _mm512_getexp_ps(x));
  const __mmask16 below1 = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.0f), _CMP_LT_OQ);
  d = _mm512_mask_sub_ps(d, below1, d, _mm512_set1_ps(1.0f));
  const __m512i k = _mm512_srli_epi32(_mm512_castps_si512(m), 18);
  const __m512 inv = _mm512_permutex2var_ps(_mm512_load_ps(t.inv), k, _mm512_load_ps(t.inv + 16));
  const __m512 lnc = _mm512_permutex2var_ps(_mm512_load_ps(t.lnc), k, _mm512_load_ps(t.lnc + 16));
  const __m512 r = _mm512_fmadd_ps(m, inv, _mm512_set1_ps(2.0f));
  __m512 q = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 32.0f), _mm512_set1_ps(1.0f / 12.0f));
  q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(0.25f));
  const __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r);
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(d, _mm512_set1_ps(kTwoLn2), lnc), p);
  return _mm512_sqrt_ps(_mm512_max_ps(y, _mm512_setzero_ps()));
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
inline void store_normals(const words& s, const bm_tables& t, float* out) {
  __m512 s1, c1, s3, c3;
  sincos(s.w[1], s1, c1);
  sincos(s.w[3], s3, c3);
  const __m512 r0 = radius(s.w[0], t), r2 = radius(s.w[2], t);
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

void normal_groups(const rng_key&, const plan& p, u64 first_block, std::size_t n_groups,
                   float* out) {
  const bm_tables& t = tables();
  run_groups(p, first_block, n_groups, out,
             [&t](const words& s, float* o) { store_normals(s, t, o); });
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
#endif

#if defined(__AVX512F__)
constexpr auto normal_groups = avx512::normal_groups;
constexpr auto uniform_groups = avx512::uniform_groups;
constexpr auto bits_groups = avx512::bits_groups;
#else
constexpr auto normal_groups = normal_groups_scalar;
constexpr auto uniform_groups = uniform_groups_scalar;
constexpr auto bits_groups = bits_groups_scalar;
#endif

// Runs group_fn over whole groups covering [first, first + out.size()): groups that are wholly
// inside go straight to out, a partial first or last group through a small buffer, so that
// element i always gets the value of its own counter.
template <class T, class GroupFn>
void fill_by_groups(const rng_key& key, const normal_filler::constants& c, std::size_t first,
                    std::span<T> out, GroupFn group_fn) {
  const std::size_t n = out.size();
  std::size_t done = 0;
  alignas(64) T tmp[kGroup];
  while (done < n) {
    const std::size_t global = first + done;
    const std::size_t offset = global % kGroup;
    const u64 block = (global - offset) / 4;
    if (offset == 0 && n - done >= kGroup) {
      const std::size_t whole = (n - done) / kGroup;
      group_fn(key, c, block, whole, out.data() + done);
      done += whole * kGroup;
    } else {
      const std::size_t take = std::min(kGroup - offset, n - done);
      group_fn(key, c, block, 1, tmp);
      std::copy_n(tmp + offset, take, out.data() + done);
      done += take;
    }
  }
}

}  // namespace

void fill_normal(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, normal_groups);
}

normal_filler::normal_filler(const rng_key& key) : key_(key), c_(make_constants(key)) {}

void normal_filler::operator()(std::size_t first, std::span<float> out) const {
  fill_by_groups(key_, c_, first, out, normal_groups);
}

void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, uniform_groups);
}

void fill_bits(const rng_key& key, std::size_t first, std::span<std::uint32_t> out) {
  fill_by_groups(key, make_constants(key), first, out, bits_groups);
}

namespace detail {
void fill_normal_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, normal_groups_scalar);
}
void fill_uniform_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, uniform_groups_scalar);
}
void box_muller(std::uint32_t w_radius, std::uint32_t w_angle, float& z0, float& z1) {
  const u32 w[4] = {w_radius, w_angle, 1u, 0u};
  float out[4];
  normals_from_words(w, out, tables());
  z0 = out[0];
  z1 = out[1];
}
bool fill_is_vectorized() {
#if defined(__AVX512F__)
  return true;
#else
  return false;
#endif
}
}  // namespace detail

void philox_block(const rng_key& key, std::uint64_t block, std::uint32_t out[4]) {
  philox gen;
  const auto r = gen(make_ctr(key, block), make_key(key));
  std::copy_n(r.v, 4, out);
}

void philox_engine::refill() {
  fill_bits(key_, next_, std::span<std::uint32_t>(words_, kBuffer));
  next_ += kBuffer;
  used_ = 0;
}

std::uint64_t philox_engine::below(std::uint64_t n) {
  // Lemire's nearly divisionless method on 64-bit draws.
  auto next64 = [this] { return (std::uint64_t{(*this)()} << 32) | (*this)(); };
  u128 m = static_cast<u128>(next64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double philox_engine::uniform() {
  const std::uint64_t hi = (*this)() >> 5, lo = (*this)() >> 6;
  return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) *
         (1.0 / 9007199254740992.0);
}

}  // namespace sgmc::core
