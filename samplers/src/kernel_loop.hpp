#pragma once
// The loop every kernel runs: core::for_each_chunk over chunks of chunk_for(dim) elements (TBB
// tasks), each cut into blocks of kBlock elements. For a stochastic kernel the block's N(0, 1)
// draws — element i's from its own Philox counter (core::normal_filler, the same values as
// core::fill_normal) — go into a stack buffer (L1) and are consumed at once by the block's
// update: the noise never travels to memory, and the result has the same bits for any number
// of threads (and any chunking). Small blocks interleave the arithmetic of the noise with the
// memory traffic of the update finely; the next blocks' data is prefetched meanwhile.
//
// The block function returns whether its outputs are finite (all_finite on data still in L1),
// so the divergence check costs no extra pass over memory.

#include "sgmc/core/parallel.hpp"
#include "sgmc/core/rng.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sgmc::samplers::detail {

/// Elements per block (4 Philox groups): two noise buffers of this size take 2 KB of L1.
/// The best of 128, 256, 512 on 16M floats (docs/PERFORMANCE.md, "Kernel loop constants").
inline constexpr std::size_t kBlock = 256;

using array_map = Eigen::Map<Eigen::ArrayXf>;
using const_array_map = Eigen::Map<const Eigen::ArrayXf>;

inline array_map block_of(float* p, std::size_t begin, std::size_t n) {
  return {p + begin, static_cast<Eigen::Index>(n)};
}
inline const_array_map block_of(const float* p, std::size_t begin, std::size_t n) {
  return {p + begin, static_cast<Eigen::Index>(n)};
}

/// True when every value is finite (its exponent bits are not all ones). An OR over the bits
/// vectorises with a 1-cycle dependency, where a float sum would wait 4 cycles per vector.
inline bool all_finite(const float* x, std::size_t n) {
  std::uint32_t bad = 0;
  for (std::size_t j = 0; j < n; ++j)
    bad |= (std::bit_cast<std::uint32_t>(x[j]) & 0x7f800000u) == 0x7f800000u;
  return bad == 0;
}
inline bool all_finite(const array_map& x) {
  return all_finite(x.data(), static_cast<std::size_t>(x.size()));
}

/// The vectors a kernel streams through, prefetched kPrefetchAhead blocks ahead of the block
/// being updated, before that block's noise is drawn: while the core computes normals it issues
/// no loads of its own, and the hardware prefetcher, which follows demand loads, falls idle.
/// (Its gain on SGLD over 16M floats: docs/PERFORMANCE.md; 2 MB pages: float_buffer.hpp.)
struct streams {
  float* written[2] = {nullptr, nullptr};  ///< read and written: θ (not null), the state
  const float* read = nullptr;             ///< only read: ∇Û (not null)
  std::size_t dim = 0;

  void prefetch(std::size_t begin) const {
    if (begin + kBlock > dim) return;  // the last blocks: nothing ahead worth the branches
    for (std::size_t i = begin; i < begin + kBlock; i += 16) {
      __builtin_prefetch(written[0] + i, 1, 2);
      if (written[1] != nullptr) __builtin_prefetch(written[1] + i, 1, 2);
      __builtin_prefetch(read + i, 0, 2);
    }
  }
};

inline constexpr std::size_t kPrefetchAhead = 2;

/// Elements per TBB task. Long runs keep each core's hardware prefetchers streaming (the gain
/// on SGLD over 16M floats: docs/PERFORMANCE.md); at least 16 tasks when dim allows,
/// for load balance. A function of dim only, so chunk boundaries never depend on the number of
/// threads — and the kernels' results depend on neither: each element draws its own noise.
inline std::size_t chunk_for(std::size_t dim) {
  const std::size_t c = std::clamp<std::size_t>(dim / 16, core::kChunk, 16 * core::kChunk);
  return c / kBlock * kBlock;
}

/// Calls fn(begin, n) for consecutive blocks of [0, dim); true when every call returned true.
template <class Fn>
bool for_each_block(std::size_t dim, Fn&& fn) {
  std::atomic<bool> finite{true};
  core::for_each_chunk(dim, chunk_for(dim), [&](std::size_t lo, std::size_t hi) {
    bool ok = true;
    for (std::size_t b = lo; b < hi; b += kBlock) ok &= fn(b, std::min(kBlock, hi - b));
    if (!ok) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

/// Calls fn(begin, n, z) where z[j] is the N(0, 1) draw of element offset + begin + j of stream
/// `key` (`offset`: step_info::offset, the index of the vector's element 0 in the chain's full
/// θ, so that a slice draws the very noise the full vector draws on those elements).
template <class Fn>
bool for_each_noise_block(std::size_t dim, const core::rng_key& key, std::uint64_t offset,
                          const streams& data, Fn&& fn) {
  const core::normal_filler fill(key);
  return for_each_block(dim, [&](std::size_t b, std::size_t n) {
    data.prefetch(b + kPrefetchAhead * kBlock);
    alignas(64) float z[kBlock];
    fill(offset + b, std::span<float>(z, n));
    return fn(b, n, const_array_map(z, static_cast<Eigen::Index>(n)));
  });
}

/// As for_each_noise_block with two independent draws per element: from `key` with the
/// streams rng_stream::noise and rng_stream::noise2, both at element offset + begin + j.
template <class Fn>
bool for_each_noise2_block(std::size_t dim, core::rng_key key, std::uint64_t offset,
                           const streams& data, Fn&& fn) {
  core::rng_key key2 = key;
  key.stream = core::rng_stream::noise;
  key2.stream = core::rng_stream::noise2;
  const core::normal_filler fill1(key), fill2(key2);
  return for_each_block(dim, [&](std::size_t b, std::size_t n) {
    data.prefetch(b + kPrefetchAhead * kBlock);
    alignas(64) float z1[kBlock];
    alignas(64) float z2[kBlock];
    fill1(offset + b, std::span<float>(z1, n));
    fill2(offset + b, std::span<float>(z2, n));
    const auto m = static_cast<Eigen::Index>(n);
    return fn(b, n, const_array_map(z1, m), const_array_map(z2, m));
  });
}

}  // namespace sgmc::samplers::detail
