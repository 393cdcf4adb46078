#include "sgmc/core/rng.hpp"

#include <Eigen/Core>
#include <Random123/philox.h>

#include <algorithm>
#include <numbers>

namespace sgmc::core {
namespace {

__extension__ using u128 = unsigned __int128;

using philox = r123::Philox4x32;

inline philox::key_type make_key(const rng_key& k) {
  return {{static_cast<std::uint32_t>(k.seed), static_cast<std::uint32_t>(k.seed >> 32)}};
}

inline philox::ctr_type make_ctr(const rng_key& k, std::uint64_t block) {
  return {{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(k.stream),
           static_cast<std::uint32_t>(k.step), k.chain}};
}

// Elements per inner batch: a multiple of 4 (one Philox block gives four words).
constexpr std::size_t kBatch = 64;
constexpr float kTwoPow24Inv = 1.0f / 16777216.0f;

// Fills `bits` with the words of blocks first_block .. first_block + kBatch/4 - 1.
inline void raw_batch(const rng_key& key, std::uint64_t first_block, std::uint32_t* bits) {
  const auto k = make_key(key);
  philox gen;
  for (std::size_t b = 0; b < kBatch / 4; ++b) {
    const auto r = gen(make_ctr(key, first_block + b), k);
    bits[4 * b + 0] = r.v[0];
    bits[4 * b + 1] = r.v[1];
    bits[4 * b + 2] = r.v[2];
    bits[4 * b + 3] = r.v[3];
  }
}

// Box–Muller on one batch: even elements give the radius from u1 in (0, 1], odd elements give
// the angle from u2 in [0, 1).
inline void normal_batch(const rng_key& key, std::uint64_t first_block, float* out) {
  alignas(64) std::uint32_t bits[kBatch];
  raw_batch(key, first_block, bits);
  constexpr std::size_t half = kBatch / 2;
  Eigen::Array<float, half, 1> u1, u2;
  for (std::size_t j = 0; j < half; ++j) {
    u1[j] = static_cast<float>((bits[2 * j] >> 8) + 1) * kTwoPow24Inv;
    u2[j] = static_cast<float>(bits[2 * j + 1] >> 8) * kTwoPow24Inv;
  }
  const Eigen::Array<float, half, 1> r = (-2.0f * u1.log()).sqrt();
  const Eigen::Array<float, half, 1> angle = (2.0f * std::numbers::pi_v<float>) * u2;
  const Eigen::Array<float, half, 1> c = r * angle.cos();
  const Eigen::Array<float, half, 1> s = r * angle.sin();
  for (std::size_t j = 0; j < half; ++j) {
    out[2 * j] = c[j];
    out[2 * j + 1] = s[j];
  }
}

inline void uniform_batch(const rng_key& key, std::uint64_t first_block, float* out) {
  alignas(64) std::uint32_t bits[kBatch];
  raw_batch(key, first_block, bits);
  for (std::size_t j = 0; j < kBatch; ++j) out[j] = static_cast<float>(bits[j] >> 8) * kTwoPow24Inv;
}

// Runs `batch_fn` over whole batches covering [first, first + out.size()) and copies the part
// that was asked for, so that element i always gets the value of its own counter.
template <class BatchFn>
void fill_by_batches(const rng_key& key, std::size_t first, std::span<float> out, BatchFn batch_fn) {
  const std::size_t n = out.size();
  std::size_t done = 0;
  alignas(64) float tmp[kBatch];
  while (done < n) {
    const std::size_t global = first + done;
    const std::size_t batch_start = global - global % kBatch;
    const std::size_t offset = global - batch_start;
    const std::size_t take = std::min(kBatch - offset, n - done);
    if (offset == 0 && take == kBatch) {
      batch_fn(key, batch_start / 4, out.data() + done);
    } else {
      batch_fn(key, batch_start / 4, tmp);
      std::copy_n(tmp + offset, take, out.data() + done);
    }
    done += take;
  }
}

}  // namespace

void fill_normal(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_batches(key, first, out, normal_batch);
}

void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_batches(key, first, out, uniform_batch);
}

void philox_block(const rng_key& key, std::uint64_t block, std::uint32_t out[4]) {
  philox gen;
  const auto r = gen(make_ctr(key, block), make_key(key));
  std::copy_n(r.v, 4, out);
}

philox_engine::result_type philox_engine::operator()() {
  if (used_ == 4) {
    philox_block(key_, block_++, words_);
    used_ = 0;
  }
  return words_[used_++];
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
  return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) * (1.0 / 9007199254740992.0);
}

}  // namespace sgmc::core
