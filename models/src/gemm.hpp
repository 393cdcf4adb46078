#pragma once
// C += α·A·B for float matrices with a row-major C, on Eigen's own GEMM kernel (gebp) but with
// packing buffers that the caller preallocates, so that a model step never allocates.
// (Eigen's operator* allocates its packing blocks on the heap once they exceed 128 KiB.)
//
// Uses Eigen 3.4 internals (general_matrix_matrix_product, level3_blocking,
// computeProductBlockingSizes); the blocking is Eigen's own heuristic, so configure_eigen()
// (factory.hpp) tunes it as it tunes every other Eigen product.

#include <Eigen/Core>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace sgmc::models::detail {

using Eigen::Index;

/// A read-only float matrix in memory: element (i, j) is at
/// data[i·stride + j] (row_major) or data[i + j·stride] (column-major).
struct mat_view {
  const float* data = nullptr;
  Index rows = 0, cols = 0, stride = 0;
  bool row_major = true;

  /// The transpose, without copying.
  mat_view t() const { return {data, cols, rows, stride, !row_major}; }
  /// Rows [first, first + count) (row-major views stay contiguous).
  mat_view middle_rows(Index first, Index count) const {
    return {data + (row_major ? first * stride : first), count, cols, stride, row_major};
  }
  mat_view middle_cols(Index first, Index count) const {
    return {data + (row_major ? first : first * stride), rows, count, stride, row_major};
  }
};

/// A writable row-major float matrix.
struct out_view {
  float* data = nullptr;
  Index rows = 0, cols = 0, stride = 0;

  out_view middle_rows(Index first, Index count) const {
    return {data + first * stride, count, cols, stride};
  }
};

/// Packing buffers for products C[m, n] += A[m, k]·B[k, n] with m, n, k at most the reserved
/// shape. One per concurrent caller.
class gemm_buffers {
 public:
  /// Sizes the buffers for every product up to [m, n] with inner dimension up to k.
  void reserve(Index m, Index n, Index k);
  /// C += alpha·A·B. Shapes must agree and fit the reserved shape (asserted). Never allocates.
  void add_product(out_view c, const mat_view& a, const mat_view& b, float alpha = 1.0f);

 private:
  Index max_m_ = 0, max_n_ = 0, kc_cap_ = 0;
  Eigen::VectorXf block_a_, block_b_;
};

/// Packing buffers shared by the parallel parts of a step: a part leases any free slot, so one
/// thread keeps reusing the same (cache-warm) memory, and at most as many slots are touched as
/// threads run. Every slot reserves the same shapes, so which slot a part gets never changes
/// its arithmetic.
class gemm_pool {
 public:
  class lease {
   public:
    lease(gemm_pool& pool, std::size_t slot) : pool_(pool), slot_(slot) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { pool_.busy_[slot_].store(false, std::memory_order_release); }
    gemm_buffers& operator*() { return pool_.slots_[slot_]; }
    gemm_buffers* operator->() { return &pool_.slots_[slot_]; }

   private:
    gemm_pool& pool_;
    std::size_t slot_;
  };

  /// `slots` must be at least the number of parts that can run at once.
  explicit gemm_pool(std::size_t slots = 1);
  /// Reserves every slot for products up to [m, n] with inner dimension up to k.
  void reserve(Index m, Index n, Index k);
  /// A free slot (spins if all are busy, which `slots` >= parts rules out).
  lease acquire();

 private:
  std::vector<gemm_buffers> slots_;
  std::unique_ptr<std::atomic<bool>[]> busy_;
};

}  // namespace sgmc::models::detail
