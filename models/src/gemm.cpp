#include "gemm.hpp"

#include "sgmc/core/assert.hpp"

#include <algorithm>

namespace sgmc::models::detail {
namespace {

using Eigen::internal::level3_blocking;

// Eigen's blocking object pointing at our buffers instead of allocating its own.
class fixed_blocking final : public level3_blocking<float, float> {
 public:
  fixed_blocking(Index kc, Index mc, Index nc, float* a, float* b) {
    this->m_kc = kc;
    this->m_mc = mc;
    this->m_nc = nc;
    this->m_blockA = a;
    this->m_blockB = b;
  }
};

template <int LhsOrder, int RhsOrder>
void run_col_major(Index rows, Index cols, Index depth, const float* lhs, Index lhs_stride,
                   const float* rhs, Index rhs_stride, float* res, Index res_stride, float alpha,
                   fixed_blocking& blocking) {
  Eigen::internal::general_matrix_matrix_product<Index, float, LhsOrder, false, float, RhsOrder,
                                                 false, Eigen::ColMajor, 1>::run(rows, cols, depth,
                                                                                 lhs, lhs_stride,
                                                                                 rhs, rhs_stride,
                                                                                 res, 1, res_stride,
                                                                                 alpha, blocking,
                                                                                 nullptr);
}

// The largest kc Eigen's heuristic ever picks (its L1 bound): kc(k) = k below it, and at most
// it above.
Index max_kc() {
  Index k = Index{1} << 20, m = 4096, n = 4096;
  Eigen::internal::computeProductBlockingSizes<float, float, 1, Index>(k, m, n, Index{1});
  return k;
}

}  // namespace

void gemm_buffers::reserve(Index m, Index n, Index k) {
  max_m_ = std::max(max_m_, m);
  max_n_ = std::max(max_n_, n);
  kc_cap_ = std::max(kc_cap_, std::min(k, max_kc()));
  // Column-major view (below): rows = n, cols = m; blockA holds kc x mc <= kc x n and
  // blockB kc x nc <= kc x m.
  const Index need_a = kc_cap_ * max_n_, need_b = kc_cap_ * max_m_;
  if (block_a_.size() < need_a) block_a_.resize(need_a);
  if (block_b_.size() < need_b) block_b_.resize(need_b);
}

void gemm_buffers::add_product(out_view c, const mat_view& a, const mat_view& b, float alpha) {
  SGMC_ASSERT(a.cols == b.rows && c.rows == a.rows && c.cols == b.cols, "gemm shape mismatch");
  SGMC_ASSERT(c.rows <= max_m_ && c.cols <= max_n_, "gemm larger than reserved");
  if (c.rows == 0 || c.cols == 0 || a.cols == 0) return;
  // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: lhs Bᵀ [n, k], rhs Aᵀ [k, m].
  const Index rows = c.cols, cols = c.rows, depth = a.cols;
  Index kc = depth, mc = rows, nc = cols;
  Eigen::internal::computeProductBlockingSizes<float, float, 1, Index>(kc, mc, nc, Index{1});
  kc = std::min(kc, kc_cap_);  // a no-op unless the cache sizes changed after reserve()
  SGMC_ASSERT(kc > 0 && kc * mc <= block_a_.size() && kc * nc <= block_b_.size(),
              "gemm buffers too small");
  fixed_blocking blocking(kc, mc, nc, block_a_.data(), block_b_.data());
  const bool lhs_row = !b.row_major, rhs_row = !a.row_major;
  constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
  if (lhs_row && rhs_row)
    run_col_major<R, R>(rows, cols, depth, b.data, b.stride, a.data, a.stride, c.data, c.stride,
                        alpha, blocking);
  else if (lhs_row)
    run_col_major<R, C>(rows, cols, depth, b.data, b.stride, a.data, a.stride, c.data, c.stride,
                        alpha, blocking);
  else if (rhs_row)
    run_col_major<C, R>(rows, cols, depth, b.data, b.stride, a.data, a.stride, c.data, c.stride,
                        alpha, blocking);
  else
    run_col_major<C, C>(rows, cols, depth, b.data, b.stride, a.data, a.stride, c.data, c.stride,
                        alpha, blocking);
}

gemm_pool::gemm_pool(std::size_t slots)
    : slots_(std::max<std::size_t>(1, slots)), busy_(new std::atomic<bool>[slots_.size()]) {
  for (std::size_t i = 0; i < slots_.size(); ++i) busy_[i].store(false);
}

void gemm_pool::reserve(Index m, Index n, Index k) {
  for (auto& s : slots_) s.reserve(m, n, k);
}

gemm_pool::lease gemm_pool::acquire() {
  for (;;)
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (!busy_[i].load(std::memory_order_relaxed) &&
          !busy_[i].exchange(true, std::memory_order_acquire))
        return lease(*this, i);
}

}  // namespace sgmc::models::detail
