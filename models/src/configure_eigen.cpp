// Measured on the 2-vCPU Sapphire Rapids VMs (g++ 12, -march=native, AVX-512, Eigen 3.4), one
// thread, float, row-major X[100,784]·W[784,100] (the small MLP's first layer):
//   Eigen's own detection (L1 48 KiB, L2 2 MiB, L3 480 MiB), fresh process   64 GFLOP/s
//   setCpuCacheSizes(48 KiB, 2 MiB, 32 MiB) alone                             64 GFLOP/s
//   ... with L1 told 16 KiB (smaller kc, packing blocks < 128 KiB: on the stack) 118 GFLOP/s
//   L1 48 KiB, any L3, malloc thresholds raised (this function)              125-128 GFLOP/s
//   1024x1024x1024 for scale                                                 140-144 GFLOP/s
// So the slowness was page faults: each product malloc'd ~300 KiB of packing blocks, which
// glibc served by mmap (or from a heap top it trimmed on free), faulting in fresh pages every
// call. The L3 value does not change single-threaded GEMM blocking at all (Eigen uses it only
// for its OpenMP split, disabled by EIGEN_DONT_PARALLELIZE); it is capped anyway so that any
// L3-based heuristic sees a per-VM size. The mlp's own GEMMs (src/gemm.hpp) were measured with
// L1 = 48 KiB vs 16 KiB: 48 KiB (the true value) is as fast or faster, so it is kept.
#include "sgmc/models/factory.hpp"

#include <Eigen/Core>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>

namespace sgmc::models {
namespace {

constexpr std::ptrdiff_t kMaxL3 = std::ptrdiff_t{32} << 20;
// Blocks up to this size come from (and return to) the heap rather than fresh mmaps.
constexpr int kMmapThreshold = 32 << 20;
constexpr int kTrimThreshold = 64 << 20;

std::ptrdiff_t cache_size(int name, std::ptrdiff_t fallback) {
  const long v = ::sysconf(name);
  return v > 0 ? static_cast<std::ptrdiff_t>(v) : fallback;
}

}  // namespace

void configure_eigen() {
  const std::ptrdiff_t l1 = cache_size(_SC_LEVEL1_DCACHE_SIZE, std::ptrdiff_t{32} << 10);
  const std::ptrdiff_t l2 = cache_size(_SC_LEVEL2_CACHE_SIZE, std::ptrdiff_t{1} << 20);
  const std::ptrdiff_t l3 = std::min(cache_size(_SC_LEVEL3_CACHE_SIZE, kMaxL3), kMaxL3);
  Eigen::setCpuCacheSizes(l1, l2, std::max(l2, l3));
  ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  ::mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace sgmc::models
