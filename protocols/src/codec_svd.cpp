// atomo-svd: ATOMO (Wang et al. 2018) on the singular-value decomposition of each block.
// X = Σ_j σ_j u_j v_jᵀ (Eigen's BDCSVD, thin); triplet j is kept with p_j = min(λ σ_j, 1),
// Σ_j p_j = min(s, rank) (ATOMO's Algorithm 2, the same closed form as the entry-wise case), and
// sent as σ_j / p_j, u_j, v_j. Body per block: u32 count, then per triplet
// {f32 σ_j / p_j, rows f32 u_j, cols f32 v_j}. Triplet j of the block at offset o draws the word
// of element o + j.

#include "codec_impl.hpp"

#include <fmt/format.h>
#include <Eigen/SVD>

#include <algorithm>

namespace sgmc::protocols::codec_detail {

void encode_svd(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                writer& w) {
  std::size_t offset = 0;
  for (const auto& shape : p.shapes) {
    const auto rows = static_cast<Eigen::Index>(shape.rows);
    const auto cols = static_cast<Eigen::Index>(shape.cols);
    Eigen::Map<const Eigen::MatrixXf> m(x.data() + offset, rows, cols);
    Eigen::BDCSVD<Eigen::MatrixXf> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto& sigma = svd.singularValues();
    std::vector<double> a(static_cast<std::size_t>(sigma.size()));
    for (std::size_t j = 0; j < a.size(); ++j) a[j] = sigma[static_cast<Eigen::Index>(j)];
    const auto prob = keep_probabilities_count(a, p.atoms);
    std::vector<std::uint32_t> u(a.size());
    core::fill_bits(key, offset, u);
    std::vector<Eigen::Index> kept;
    for (std::size_t j = 0; j < a.size(); ++j) {
      if (prob[j] > 0 && word_uniform(u[j]) < prob[j]) kept.push_back(static_cast<Eigen::Index>(j));
    }
    w.put(static_cast<std::uint32_t>(kept.size()));
    for (auto j : kept) {
      w.put(static_cast<float>(a[static_cast<std::size_t>(j)] / prob[static_cast<std::size_t>(j)]));
      const Eigen::VectorXf uj = svd.matrixU().col(j), vj = svd.matrixV().col(j);
      w.put_span(std::span<const float>(uj.data(), shape.rows));
      w.put_span(std::span<const float>(vj.data(), shape.cols));
    }
    offset += shape.rows * shape.cols;
  }
}

expected<void> decode_svd(const codec_params& p, reader& r, std::span<float> out) {
  std::fill(out.begin(), out.end(), 0.0f);
  std::size_t offset = 0;
  for (std::size_t b = 0; b < p.shapes.size(); ++b) {
    const auto& shape = p.shapes[b];
    std::uint32_t count = 0;
    if (!r.get(count)) return malformed(p.kind, fmt::format("buffer ends before block {}", b));
    const std::size_t per = 1 + shape.rows + shape.cols;
    if (count > std::min(shape.rows, shape.cols) || count > r.remaining() / (per * 4)) {
      return malformed(p.kind, fmt::format("block {}: {} triplets do not fit", b, count));
    }
    const auto rows = static_cast<Eigen::Index>(shape.rows);
    const auto cols = static_cast<Eigen::Index>(shape.cols);
    Eigen::Map<Eigen::MatrixXf> m(out.data() + offset, rows, cols);
    Eigen::VectorXf u(rows), v(cols);
    for (std::uint32_t j = 0; j < count; ++j) {
      float scale = 0;
      (void)r.get(scale);
      (void)r.get_span(std::span<float>(u.data(), shape.rows));
      (void)r.get_span(std::span<float>(v.data(), shape.cols));
      m.noalias() += (scale * u) * v.transpose();
    }
    offset += shape.rows * shape.cols;
  }
  return {};
}

}  // namespace sgmc::protocols::codec_detail
