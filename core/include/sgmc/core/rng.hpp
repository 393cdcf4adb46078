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
// used for elements 4*(i/4) .. 4*(i/4)+3. Normals come from Box–Muller on pairs of lanes:
// lanes (0,1) and (2,3); the even lane gives the radius, the odd lane the angle.

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

/// out[i] = uniform draw in [0, 1) for global element index `first + i` of the stream `key`.
void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out);

/// The four raw 32-bit Philox words of counter block `block` of the stream `key`.
void philox_block(const rng_key& key, std::uint64_t block, std::uint32_t out[4]);

/// A sequential generator over one stream, for scalar uses (shuffles, batch selection).
/// Satisfies UniformRandomBitGenerator, so it works with std::shuffle.
class philox_engine {
 public:
  using result_type = std::uint32_t;
  explicit philox_engine(const rng_key& key) : key_(key) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return 0xffffffffu; }
  result_type operator()();

  /// A uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n);
  /// A uniform double in [0, 1).
  double uniform();

 private:
  rng_key key_;
  std::uint64_t block_ = 0;
  std::uint32_t words_[4] = {0, 0, 0, 0};
  int used_ = 4;
};

}  // namespace sgmc::core
