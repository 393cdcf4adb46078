#pragma once
// Deterministic chunked parallel loops over a flat vector.
//
// Chunk boundaries depend only on n and the chunk size, never on the number of threads, so a
// kernel that draws its noise by global element index (see rng.hpp) gives the same bits
// however TBB schedules the chunks.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

namespace sgmc::core {

/// Elements per chunk for streaming kernels: large enough to amortise scheduling, small enough
/// that per-chunk scratch (noise) stays in L1/L2.
inline constexpr std::size_t kChunk = 8192;

/// Calls fn(begin, end) for consecutive chunks [k*chunk, min((k+1)*chunk, n)), in parallel.
template <class Fn>
void for_each_chunk(std::size_t n, std::size_t chunk, Fn&& fn) {
  if (n == 0) return;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  if (chunks == 1) {
    fn(std::size_t{0}, n);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, chunks, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c)
          fn(c * chunk, std::min(n, (c + 1) * chunk));
      },
      tbb::simple_partitioner());
}

}  // namespace sgmc::core
