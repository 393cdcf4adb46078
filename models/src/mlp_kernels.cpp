#include "mlp_detail.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sgmc::models::detail {
namespace {

using row_block = Eigen::Block<row_matrix, Eigen::Dynamic, Eigen::Dynamic, true>;
using const_row_vec = Eigen::Map<const Eigen::RowVectorXf>;

mat_view view(const row_matrix& m, Index rows) {
  return {m.data(), rows, m.cols(), m.cols(), true};
}
out_view out(row_matrix& m, Index r0, Index rows) {
  return {m.data() + r0 * m.cols(), rows, m.cols(), m.cols()};
}
// W_l [d_l, d_{l+1}], row-major, inside θ.
mat_view weights(const mlp_shape& s, const float* theta, std::size_t l) {
  return {theta + s.offsets[l], s.width(l), s.width(l + 1), s.width(l + 1), true};
}
const_row_vec bias(const mlp_shape& s, const float* theta, std::size_t l) {
  return const_row_vec(theta + s.offsets[l] + s.layers[l] * s.layers[l + 1], s.width(l + 1));
}

void activate(activation act, row_block z) {
  if (act == activation::relu)
    z = z.cwiseMax(0.0f);
  else
    z = z.array().tanh();
}

// δ ⊙= φ'(h), with φ' written in terms of the activation h = φ(z).
void activation_grad(activation act, row_block delta, const row_block& h) {
  if (act == activation::relu)
    delta.array() = (h.array() > 0.0f).select(delta.array(), 0.0f);
  else
    delta.array() *= 1.0f - h.array().square();
}

// Row-wise softmax of the logits in z: z ← softmax(z), loglik_i = log softmax(z_i)_{y_i}
// = (z_{i,y} − max_i) − log Σ_k exp(z_{i,k} − max_i). The exp runs over the whole block at
// once (it is contiguous), so that Eigen vectorises it.
void softmax_rows(row_block z, const float* labels, float* loglik) {
  for (Index i = 0; i < z.rows(); ++i) {
    auto row = z.row(i);
    const float mx = row.maxCoeff();
    row.array() -= mx;
    loglik[i] = row[static_cast<Index>(labels[i])];
  }
  z.array() = z.array().exp();
  for (Index i = 0; i < z.rows(); ++i) {
    auto row = z.row(i);
    const float sum = row.sum();
    loglik[i] -= std::log(sum);
    row *= 1.0f / sum;
  }
}

// g = λ·w and returns ‖w‖², in one pass over w (blocks that stay in L1).
double scale_and_norm(float lambda, const float* w, float* g, Index n) {
  constexpr Index kBlock = 2048;
  double sq = 0;
  for (Index first = 0; first < n; first += kBlock) {
    const Index len = std::min(kBlock, n - first);
    Eigen::Map<const Eigen::VectorXf> wb(w + first, len);
    Eigen::Map<Eigen::VectorXf>(g + first, len) = lambda * wb;
    sq += static_cast<double>(wb.squaredNorm());
  }
  return sq;
}

}  // namespace

Index row_parts(Index n) {
  const Index fit = std::max<Index>(1, n / kMinPartRows);
  return static_cast<Index>(std::bit_floor(static_cast<std::size_t>(std::min(fit, kMaxParts))));
}

Index part_begin(Index n, Index parts, Index p) {
  if (p >= parts) return n;
  return (n * p / parts) & ~Index{7};
}

std::vector<weight_task> make_weight_tasks(const mlp_shape& s) {
  Index largest = 0;
  for (std::size_t l = 0; l < s.depth(); ++l)
    largest = std::max(largest, s.width(l) * s.width(l + 1));
  std::vector<weight_task> tasks;
  for (std::size_t l = 0; l < s.depth(); ++l) {
    const Index size = s.width(l) * s.width(l + 1);
    const Index want = std::clamp<Index>((kMaxParts * size + largest / 2) / largest, 1, kMaxParts);
    const Index pieces = std::min(want, std::max<Index>(1, s.width(l) / 8));
    for (Index p = 0; p < pieces; ++p) {
      const Index a = part_begin(s.width(l), pieces, p), b = part_begin(s.width(l), pieces, p + 1);
      tasks.push_back({l, a, b - a, p == 0});
    }
  }
  return tasks;
}

void init_workspace(const mlp_shape& s, Index max_batch, Index max_predict, mlp_workspace& ws) {
  const std::size_t depth = s.depth();
  const Index max_rows = std::max(max_batch, max_predict);
  ws.max_batch = max_batch;
  ws.max_predict = max_predict;
  ws.x.resize(max_batch, s.width(0));
  ws.labels.resize(max_batch);
  ws.h.resize(depth + 1);
  ws.delta.resize(depth + 1);
  for (std::size_t l = 1; l <= depth; ++l) {
    ws.h[l].resize(max_rows, s.width(l));
    ws.delta[l].resize(max_batch, s.width(l));
  }
  ws.loglik.resize(max_rows);
  // The largest part any n <= max_rows is split into.
  Index part_rows = 0;
  std::size_t parts = 1;
  for (Index n = 1; n <= max_rows; ++n) {
    const Index p = row_parts(n);
    parts = std::max(parts, static_cast<std::size_t>(p));
    for (Index q = 0; q < p; ++q)
      part_rows = std::max(part_rows, part_begin(n, p, q + 1) - part_begin(n, p, q));
  }
  ws.tasks = make_weight_tasks(s);
  ws.task_sq.assign(ws.tasks.size(), 0.0);
  ws.pool = std::make_unique<gemm_pool>(std::max(static_cast<std::size_t>(parts), ws.tasks.size()));
  for (std::size_t l = 0; l < depth; ++l) {
    ws.pool->reserve(part_rows, s.width(l + 1), s.width(l));  // forward
    ws.pool->reserve(part_rows, s.width(l), s.width(l + 1));  // δ_l = δ_{l+1} W_lᵀ
  }
  for (const auto& t : ws.tasks) ws.pool->reserve(t.rows, s.width(t.layer + 1), max_batch);
}

void forward_part(const mlp_shape& s, const float* theta, const mat_view& input,
                  const float* labels, Index r0, Index m, gemm_buffers& buf, mlp_workspace& ws) {
  const std::size_t depth = s.depth();
  for (std::size_t l = 0; l < depth; ++l) {
    row_matrix& h = ws.h[l + 1];
    const mat_view in = l == 0 ? input : view(ws.h[l], h.rows()).middle_rows(r0, m);
    row_block z = h.middleRows(r0, m);
    z.rowwise() = bias(s, theta, l);
    buf.add_product(out(h, r0, m), in, weights(s, theta, l));
    if (l + 1 < depth) activate(s.act, z);
  }
  softmax_rows(ws.h[depth].middleRows(r0, m), labels, ws.loglik.data() + r0);
}

void backward_part(const mlp_shape& s, const float* theta, const float* labels, Index r0, Index m,
                   float scale, gemm_buffers& buf, mlp_workspace& ws) {
  const std::size_t depth = s.depth();
  row_block d_out = ws.delta[depth].middleRows(r0, m);
  d_out = scale * ws.h[depth].middleRows(r0, m);
  for (Index i = 0; i < m; ++i) d_out(i, static_cast<Index>(labels[i])) -= scale;
  for (std::size_t l = depth - 1; l >= 1; --l) {
    row_block d = ws.delta[l].middleRows(r0, m);
    d.setZero();
    const mat_view d_next = view(ws.delta[l + 1], ws.delta[l + 1].rows()).middle_rows(r0, m);
    buf.add_product(out(ws.delta[l], r0, m), d_next, weights(s, theta, l).t());
    activation_grad(s.act, d, ws.h[l].middleRows(r0, m));
  }
}

double weight_grad_task(const mlp_shape& s, const weight_task& t, const float* theta, float* grad,
                        Index n, gemm_buffers& buf, mlp_workspace& ws) {
  const std::size_t l = t.layer;
  const Index cols = s.width(l + 1);
  const std::size_t w0 = s.offsets[l] + static_cast<std::size_t>(t.first * cols);
  const auto count = static_cast<Index>(t.rows * cols);
  double sq = scale_and_norm(s.lambda, theta + w0, grad + w0, count);
  const mat_view in = l == 0 ? view(ws.x, n) : view(ws.h[l], n);
  const mat_view d_next = view(ws.delta[l + 1], n);
  buf.add_product({grad + w0, t.rows, cols, cols}, in.middle_cols(t.first, t.rows).t(), d_next);
  if (t.bias) {
    const std::size_t b0 = s.offsets[l] + s.layers[l] * s.layers[l + 1];
    sq += scale_and_norm(s.lambda, theta + b0, grad + b0, cols);
    Eigen::Map<Eigen::RowVectorXf> gb(grad + b0, cols);
    for (Index i = 0; i < n; ++i) gb += ws.delta[l + 1].row(i);  // column sums, row by row
  }
  return sq;
}

}  // namespace sgmc::models::detail
