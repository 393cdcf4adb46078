#pragma once
// Private pieces of the mlp: its workspace, the fixed work partition and the kernels.

#include "gemm.hpp"
#include "sgmc/models/mlp.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace sgmc::models::detail {

/// Batch rows per forward part at least this many (smaller parts make GEMMs inefficient).
inline constexpr Index kMinPartRows = 48;
/// At most this many parts per parallel region (a power of two, so that 1, 2 or 4 threads
/// share them evenly).
inline constexpr Index kMaxParts = 4;

/// What the kernels need to know of the model.
struct mlp_shape {
  const std::vector<std::size_t>& layers;
  const std::vector<std::size_t>& offsets;
  activation act;
  float lambda;

  std::size_t depth() const { return layers.size() - 1; }  // number of weight matrices
  Index width(std::size_t l) const { return static_cast<Index>(layers[l]); }
};

/// One piece of the weight gradient: rows [first, first + rows) of ∇W_layer (and ∇b_layer when
/// `bias`).
struct weight_task {
  std::size_t layer = 0;
  Index first = 0, rows = 0;
  bool bias = false;
};

/// Number of row parts for n rows: a power of two, each part >= kMinPartRows rows.
Index row_parts(Index n);
/// Start of part p of n rows split in `parts` (multiples of 8; part `parts` ends at n).
Index part_begin(Index n, Index parts, Index p);
/// The fixed split of every ∇W_l into tasks of similar cost (depends only on the widths).
std::vector<weight_task> make_weight_tasks(const mlp_shape& s);

struct mlp_workspace final : workspace {
  Index max_batch = 0, max_predict = 0;
  row_matrix x;                   // gathered batch [max_batch, d_0]
  Eigen::VectorXf labels;         // gathered labels [max_batch]
  std::vector<row_matrix> h;      // h[l], l = 1..L: activations [max rows, d_l]; h[L]: logits
  std::vector<row_matrix> delta;  // delta[l], l = 1..L: ∂Û/∂(pre-activation) [max_batch, d_l]
  Eigen::VectorXf loglik;         // per-row log-likelihood [max rows]
  std::vector<weight_task> tasks;
  std::unique_ptr<gemm_pool> pool;  // packing buffers, leased by the parts of a step
  std::vector<double> task_sq;      // ‖θ slice‖² of each task
};

/// Allocates everything a workspace needs for these limits.
void init_workspace(const mlp_shape& s, Index max_batch, Index max_predict, mlp_workspace& ws);

/// Forward pass of rows [r0, r0 + m) whose inputs are `input` (m rows); leaves the class
/// probabilities in ws.h[L] and log p(y_i | x_i) in ws.loglik (labels y: m values).
void forward_part(const mlp_shape& s, const float* theta, const mat_view& input,
                  const float* labels, Index r0, Index m, gemm_buffers& buf, mlp_workspace& ws);

/// δ of rows [r0, r0 + m) for every layer, from ws.h (after forward_part); scale = N/n.
void backward_part(const mlp_shape& s, const float* theta, const float* labels, Index r0, Index m,
                   float scale, gemm_buffers& buf, mlp_workspace& ws);

/// One weight-gradient task on the first n rows: ∇W = λW + H_lᵀ δ_{l+1} (and ∇b); returns the
/// squared norm of its θ slice.
double weight_grad_task(const mlp_shape& s, const weight_task& t, const float* theta, float* grad,
                        Index n, gemm_buffers& buf, mlp_workspace& ws);

}  // namespace sgmc::models::detail
