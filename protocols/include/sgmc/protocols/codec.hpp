#pragma once
// Codecs: what a float payload becomes on the wire, and back (docs/codecs.md).
//
// A codec turns the sender's vector x (dim floats) into bytes; the receiver decodes them into
// x̂. Unbiased codecs satisfy E[x̂] = x over the codec's random numbers; `topk` is biased (its
// error feedback only keeps what was dropped for later). Per kind, with d = dim:
//   identity       x̂ = x, 4d bytes
//   random-sparse  Wangni et al. 2018: keep x_i with probability p_i = min(λ|x_i|, 1), send
//                  x_i / p_i; λ from the budget Σ p_i = ρ d (closed form or their greedy
//                  iteration) or Σ x_i² (1/p_i − 1) = ε ‖x‖². Var x̂_i = x_i² (1/p_i − 1)
//   atomo-entry    ATOMO (Wang et al. 2018) on entry atoms: p_i as above with Σ p_i = s atoms
//   atomo-svd      ATOMO on singular triplets of each (rows × cols) block (column-major, as
//                  Eigen maps θ): keep σ_j u_j v_jᵀ with p_j = min(λ σ_j, 1), Σ p_j = s per block,
//                  send σ_j / p_j, u_j, v_j. Var = Σ_j σ_j² (1/p_j − 1) per block (Frobenius)
//   topk           biased: send the k = ⌈ρ d⌉ largest |x_i + e_i|, keep the rest in e (error
//                  feedback, one encoder per sender)
//   qsgd           Alistarh et al. 2017: per bucket of n values, norm ν; level
//                  l_i = ⌊|x_i| s / ν⌋ rounded up with probability of the remainder, s = 2^(b−1) −
//                  1; x̂_i = sign(x_i) ν l_i / s. E‖x̂ − x‖² ≤ min(n / s², √n / s) ‖x‖² (Lemma 3.1)
//   fixed8         8-bit fixed point q = SR(x 2^f) clipped to [−128, 127], x̂ = q 2^−f; unbiased
//                  inside the range (clipping outside it is biased)
//   bfp8           block floating point: per block of B values one exponent e with
//                  max |x| ≤ 127 2^e, q = SR(x 2^−e) in [−127, 127]
// SR(y) is stochastic rounding: ⌊y⌋ + 1 with probability y − ⌊y⌋, so E SR(y) = y and
// Var SR(y) = (y − ⌊y⌋)(1 − y + ⌊y⌋).
//
// Random numbers come from core's counter-based generator: the caller's key names the stream
// (codec_key: seed, worker as chain, version as step, rng_stream::codec) and element i of the
// payload (or triplet j of a block, at the block's offset + j) draws its own word, so the bytes
// depend only on (key, x) and the encoder's state.
//
// Wire format (little-endian): a 12-byte header {u8 'C', u8 kind, u8 aux, u8 0, u64 dim}, then
// the kind's body (docs/codecs.md). decode() trusts nothing: the header must match the
// receiver's params and dim, every count and index is checked against dim and the buffer size,
// and anything else is an errc::protocol error naming what is wrong.
//
// Encoders expect finite input (workers check their gradients before sending); non-finite
// values give unspecified but well-formed output.

#include "sgmc/core/error.hpp"
#include "sgmc/core/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sgmc::protocols {

/// The codecs (`[codec] push` and `pull`), in the order of the docs.
enum class codec_kind { identity, random_sparse, atomo_entry, atomo_svd, topk, qsgd, fixed8, bfp8 };

/// The name of every codec_kind, indexed by the enum: the one list of codec names.
inline constexpr const char* codec_kind_names[] = {
    "identity", "random-sparse", "atomo-entry", "atomo-svd", "topk", "qsgd", "fixed8", "bfp8"};

/// Parses a name of codec_kind_names (errc::invalid_config naming the codec otherwise).
expected<codec_kind> parse_codec_kind(const std::string& name);
/// The config name of kind ("random-sparse"), "unknown" for a value outside the enum.
const char* to_string(codec_kind kind);
/// False only for topk: E[decode(encode(x))] = x for every other kind (fixed8 inside its range).
bool is_unbiased(codec_kind kind);

/// What random-sparse's budget fixes: the expected fraction kept, or the relative variance.
enum class sparse_budget { fraction, variance };
/// How random-sparse finds λ: Wangni's closed form (exact) or their greedy iteration.
enum class sparse_solver { closed_form, greedy };

/// One weight matrix of atomo-svd: rows × cols consecutive floats of θ, column-major.
struct matrix_shape {
  std::size_t rows = 0;
  std::size_t cols = 0;
};

/// Hyperparameters of a codec (one `[codec]` direction).
struct codec_params {
  codec_kind kind = codec_kind::identity;
  /// random-sparse (budget = fraction): ρ, expected fraction kept, in (0, 1]; topk: k = ⌈ρ d⌉
  double fraction = 0.01;
  sparse_budget budget = sparse_budget::fraction;
  double variance = 1.0;  ///< random-sparse (budget = variance): ε > 0, Σ Var x̂_i = ε ‖x‖²
  sparse_solver solver = sparse_solver::closed_form;
  std::size_t greedy_iterations = 2;  ///< random-sparse greedy: at most this many passes, ≥ 1
  /// atomo-entry: s, expected number of entries kept (> 0); atomo-svd: s triplets per block
  double atoms = 16.0;
  /// atomo-svd: the blocks, in θ's order; their sizes must add up to dim
  std::vector<matrix_shape> shapes;
  unsigned bits = 8;              ///< qsgd: b bits per value incl. the sign, 2 ≤ b ≤ 16
  std::size_t bucket_size = 512;  ///< qsgd: values per norm, ≥ 1
  int fraction_bits = 6;          ///< fixed8: f, x̂ = q 2^−f, −64 ≤ f ≤ 64
  std::size_t block_size = 32;    ///< bfp8: values per shared exponent, 1 ≤ B ≤ 2^16
};

/// Checks params against the payload size (errc::invalid_config naming the key at fault).
expected<void> validate(const codec_params& params, std::size_t dim);

/// The key of a codec's random numbers for one message: the sender as chain, the version as step.
inline core::rng_key codec_key(std::uint64_t seed, std::uint32_t worker, std::uint64_t version) {
  return core::rng_key{seed, worker, version, core::rng_stream::codec};
}

/// Keep probabilities of random-sparse / atomo-entry (and, on singular values, atomo-svd):
/// p_i = min(λ |x_i|, 1) for the budget in params (p_i = 0 where x_i = 0).
std::vector<double> keep_probabilities(std::span<const float> x, const codec_params& params);
/// The closed form for Σ p_i = budget: the smallest j (|x| sorted in decreasing order) with
/// λ_j |x_(j)| ≤ 1 for λ_j = (budget − j) / Σ_{i≥j} |x_(i)|; the j largest get p = 1.
std::vector<double> keep_probabilities_count(std::span<const double> a, double budget);

/// One sender's encoder for one direction: holds topk's error-feedback residual (other kinds
/// are stateless) and reusable scratch. Not thread-safe; one per sender and direction.
class encoder {
 public:
  /// An encoder for payloads of dim floats (errors as in validate()).
  static expected<encoder> make(const codec_params& params, std::size_t dim);

  /// Encodes x (x.size() == dim) with the random stream `key`, replacing out's contents.
  void encode(std::span<const float> x, const core::rng_key& key, std::vector<std::byte>& out);
  std::vector<std::byte> encode(std::span<const float> x, const core::rng_key& key);

  const codec_params& params() const { return params_; }
  std::size_t dim() const { return dim_; }
  /// topk's residual e (what was not yet sent); empty for other kinds.
  std::span<const float> residual() const { return residual_; }

 private:
  encoder(codec_params params, std::size_t dim);
  codec_params params_;
  std::size_t dim_;
  std::vector<float> residual_;
};

/// Decodes an encoded buffer into out (out.size() is the dim the receiver expects); any
/// malformed, truncated or mismatched buffer is an errc::protocol error and leaves out unspecified.
expected<void> decode(const codec_params& params, std::span<const std::byte> in,
                      std::span<float> out);
/// decode() into a new vector of expected_dim floats.
expected<std::vector<float>> decode(const codec_params& params, std::span<const std::byte> in,
                                    std::size_t expected_dim);

}  // namespace sgmc::protocols
