#pragma once
// Counter-based random numbers (Philox4x32-10 from Random123, Salmon et al. SC'11).
//
// A stream is named by an `rng_key` {seed, chain, step, stream}; inside it, element i of a
// vector has its own counter, so the value drawn for element i depends only on the key and i —
// never on how a kernel splits the vector over threads or chunks. This is what makes a kernel's
// output bit-for-bit identical for any number of threads.
//
// Mapping onto Philox4x32: key = {seed low 32, seed high 32};
// counter = {i / 4, stream, step (low 32 bits), chain}. Each counter yields four 32-bit words,
// used for elements 4*(i/4) .. 4*(i/4)+3 (word i % 4 for element i; fill_bits gives them raw).
// Normals come from Box–Muller (G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29 (1958)
// 610–611: z0 = √(−2 ln u) cos 2πv, z1 = √(−2 ln u) sin 2πv) on pairs of lanes (0,1) and (2,3):
// the even lane's word w0 gives u = (⌊w0/2⌋ + ½) / 2^31 in (0, 1), the odd lane's word w1 the
// angle 2πv = 2π w1 / 2^32; element 4k+0/2 is r cos, 4k+1/3 is r sin. One logarithm, one square
// root and one sine–cosine pair per two normals, all as polynomials, branch- and table-free, so
// that a vector path runs them on every lane at once: ln u from u = m·2^e (m in [√½, √2), by
// integer arithmetic on u's bits) as e ln2 + f L(f), f = m − 1, with L a degree-6 polynomial
// fitted for sgmc; sin and cos from Cephes' single-precision polynomials on [−π/4, π/4] after
// taking the quadrant from w1's top bits (core/src/rng_paths.hpp has the constants). Accuracy:
// within 1e-6 of Box–Muller in double on the same words (tests/core/test_rng.cpp); |z| < 6.67,
// the largest radius √(64 ln 2); P(|z| > t) matches N(0, 1)'s for t = 1..6 over all radius words,
// and moments, Kolmogorov–Smirnov, Anderson–Darling and the correlation of neighbours are tested
// on 2^24 draws (tests/core/test_normal_distribution.cpp). Uniforms are (w >> 8) / 2^24 in [0, 1).
//
// Paths, all with the very same arithmetic and therefore the same bits (tests/core compares them
// for many keys, offsets and lengths); their speeds are in docs/PERFORMANCE.md:
//   avx512  Philox on 16 counters per register, Box–Muller on 16 pairs (core/src/rng_avx512.cpp);
//           that file alone is compiled with -mavx512f -mavx512dq, so every x86-64 build has it
//   avx2    8 counters per register, with FMA (core/src/rng_avx2.cpp); that file alone is compiled
//           with -mavx2 -mfma, so every x86-64 build has it
//   scalar  one counter at a time (core/src/rng_scalar.cpp): the reference, and the fallback
// Dispatch happens at run time, once: the fastest path that the binary has and the CPU runs
// (__builtin_cpu_supports), so a binary built on one host runs on another.
// Override, for testing and diagnosis only: the environment variable SGMC_RNG_PATH=scalar|avx2|
// avx512, read once at the first draw. It is the one place where sgmc's libraries read the
// environment (they otherwise never do); it cannot change any output, only the speed. A value
// that is unknown, or names a path this binary lacks or this CPU cannot run, is ignored (the
// automatic choice stands). detail::active_rng_path() tells which path is in use.

#include <cstddef>
#include <cstdint>
#include <span>

namespace sgmc::core {

/// Named purposes of random streams, so that two uses at the same step never collide.
enum class rng_stream : std::uint32_t {
  noise = 0,       ///< the sampler's injected Gaussian noise
  noise2 = 1,      ///< a second, independent noise vector in the same step (e.g. SGHMC-exact)
  batch = 2,       ///< minibatch selection
  grad_noise = 3,  ///< synthetic gradient noise of the gaussian model
  init = 4,        ///< initial parameters
  codec = 5,       ///< randomised codecs (sparsification, stochastic rounding)
  rounding = 6,    ///< a kernel's stochastic rounding of θ (low-precision SGLD)
  rounding2 = 7,   ///< a second uniform per element in the same step (its VC quantiser)
  user = 16,       ///< first value free for other uses
};

/// Names one stream of random numbers.
struct rng_key {
  std::uint64_t seed = 0;
  std::uint32_t chain = 0;
  std::uint64_t step = 0;  ///< only the low 32 bits are used
  rng_stream stream = rng_stream::noise;
};

/// out[i] = N(0, 1) draw for global element index `first + i` of the stream `key`.
void fill_normal(const rng_key& key, std::size_t first, std::span<float> out);

/// fill_normal for many calls on one stream (a kernel's blocks): the stream's Philox constants
/// are computed once, at construction, which makes small blocks cheap.
/// filler(first, out) gives exactly what fill_normal(key, first, out) gives.
class normal_filler {
 public:
  explicit normal_filler(const rng_key& key);
  void operator()(std::size_t first, std::span<float> out) const;

  /// Per-stream constants of the generator: the round keys, and the parts of rounds 1 and 2
  /// that do not depend on the block counter.
  struct constants {
    std::uint32_t ka[10], kb[10];
    std::uint32_t c3, r1_y1, r2_hi0, r2_lo0;
  };

 private:
  rng_key key_;
  constants c_;
};

/// out[i] = uniform draw in [0, 1) for global element index `first + i` of the stream `key`.
void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out);

/// out[i] = raw 32-bit Philox word for global element index `first + i` (word (first+i) % 4 of
/// counter block (first+i) / 4).
void fill_bits(const rng_key& key, std::size_t first, std::span<std::uint32_t> out);

/// The four raw 32-bit Philox words of counter block `block` of the stream `key`.
void philox_block(const rng_key& key, std::uint64_t block, std::uint32_t out[4]);

namespace detail {
/// The generator's implementations (see the header comment).
enum class rng_path { scalar, avx2, avx512 };
/// "scalar", "avx2" or "avx512": the names SGMC_RNG_PATH takes.
const char* rng_path_name(rng_path p);
/// True when this binary has path p and this CPU can run it (scalar: always).
bool rng_path_supported(rng_path p);
/// The path fill_normal, fill_uniform, fill_bits and normal_filler use, chosen once.
rng_path active_rng_path();
/// fill_normal / fill_uniform / fill_bits through path p, which must be supported (tests).
void fill_normal_path(rng_path p, const rng_key& key, std::size_t first, std::span<float> out);
void fill_uniform_path(rng_path p, const rng_key& key, std::size_t first, std::span<float> out);
void fill_bits_path(rng_path p, const rng_key& key, std::size_t first,
                    std::span<std::uint32_t> out);
/// The scalar reference of fill_normal / fill_uniform (the fallback without AVX2); the
/// vectorised paths must give the same bits.
void fill_normal_scalar(const rng_key& key, std::size_t first, std::span<float> out);
void fill_uniform_scalar(const rng_key& key, std::size_t first, std::span<float> out);
/// Box–Muller on one pair of words, as fill_normal does it: z0 = r cos, z1 = r sin.
void box_muller(std::uint32_t w_radius, std::uint32_t w_angle, float& z0, float& z1);
/// True when fill_normal uses a vectorised (AVX2 or AVX-512) path.
bool fill_is_vectorized();
}  // namespace detail

/// A sequential generator over one stream, for scalar uses (shuffles, batch selection): the
/// words of blocks 0, 1, 2, ... of `key` in order (what fill_bits gives from element 0), drawn
/// 64 at a time with the vectorised generator.
/// Satisfies UniformRandomBitGenerator, so it works with std::shuffle.
class philox_engine {
 public:
  using result_type = std::uint32_t;
  explicit philox_engine(const rng_key& key) : key_(key) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return 0xffffffffu; }
  result_type operator()() {
    if (used_ == kBuffer) refill();
    return words_[used_++];
  }

  /// A uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n);
  /// A uniform double in [0, 1).
  double uniform();

 private:
  static constexpr std::size_t kBuffer = 64;
  void refill();

  rng_key key_;
  std::uint64_t next_ = 0;  ///< element index of the next refill
  std::uint32_t words_[kBuffer] = {};
  std::size_t used_ = kBuffer;
};

}  // namespace sgmc::core
