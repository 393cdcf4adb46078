#pragma once
// Independent answers for the codec tests: each codec's variance written out from its paper,
// test vectors, and a decoder fuzzer.

#include "sgmc/core/rng.hpp"
#include "sgmc/protocols/codec.hpp"

#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <span>
#include <vector>

namespace sgmc::test::codecs {

namespace pr = sgmc::protocols;

inline constexpr std::array kAllKinds = {pr::codec_kind::identity,    pr::codec_kind::random_sparse,
                                         pr::codec_kind::atomo_entry, pr::codec_kind::atomo_svd,
                                         pr::codec_kind::topk,        pr::codec_kind::qsgd,
                                         pr::codec_kind::fixed8,      pr::codec_kind::bfp8};

/// atomo-svd's blocks in the tests: a matrix, a square one, a bias column.
inline const std::vector<pr::matrix_shape> kShapes = {{8, 6}, {5, 5}, {10, 1}};
inline constexpr std::size_t kShapesDim = 8 * 6 + 5 * 5 + 10;

inline pr::codec_params params_of(pr::codec_kind kind) {
  pr::codec_params p;
  p.kind = kind;
  p.fraction = 0.1;
  p.atoms = 10;
  if (kind == pr::codec_kind::atomo_svd) {
    p.shapes = kShapes;
    p.atoms = 2;
  }
  return p;
}

inline std::size_t dim_of(pr::codec_kind kind, std::size_t n) {
  return kind == pr::codec_kind::atomo_svd ? kShapesDim : n;
}

/// N(0, 1) draws times scales 0.1, 1, 2 in turn, clipped to ±3, with every 17th value 0.
inline std::vector<float> test_vector(std::size_t n, std::uint64_t seed) {
  std::vector<float> x(n);
  core::fill_normal(core::rng_key{seed, 0, 0, core::rng_stream::user}, 0, x);
  const float scale[] = {0.1f, 1.0f, 2.0f};
  for (std::size_t i = 0; i < n; ++i)
    x[i] = i % 17 == 0 ? 0.0f : std::clamp(x[i] * scale[i % 3], -3.0f, 3.0f);
  return x;
}

inline std::vector<std::byte> encode_once(const pr::codec_params& p, std::span<const float> x) {
  auto enc = pr::encoder::make(p, x.size());
  REQUIRE(enc.has_value());
  return enc->encode(x, pr::codec_key(3, 0, 0));
}

inline double squared_norm(std::span<const float> x) {
  double s = 0;
  for (float v : x) s += double(v) * v;
  return s;
}

/// Var of stochastic rounding of y: (y − ⌊y⌋)(1 − y + ⌊y⌋).
inline double sr_variance(double y) {
  const double f = y - std::floor(y);
  return f * (1 - f);
}

/// qsgd per coordinate: (ν/s)² Var SR(|x_i| s / ν), ν the bucket's norm rounded up to a float.
inline std::vector<double> qsgd_variance(const pr::codec_params& p, std::span<const float> x) {
  const double s = double((1u << (p.bits - 1)) - 1);
  std::vector<double> var(x.size());
  for (std::size_t lo = 0; lo < x.size(); lo += p.bucket_size) {
    const auto hi = std::min(x.size(), lo + p.bucket_size);
    const double nrm = std::sqrt(squared_norm(x.subspan(lo, hi - lo)));
    float nu = float(nrm);
    if (nu < nrm) nu = std::nextafter(nu, 1e30f);
    for (auto i = lo; i < hi; ++i) {
      var[i] = nu > 0 ? (nu / s) * (nu / s) * sr_variance(std::fabs(x[i]) * s / nu) : 0.0;
    }
  }
  return var;
}

/// Fixed point with f(i) fraction bits at coordinate i: 2^−2f Var SR(x 2^f).
template <class Frac>
std::vector<double> rounding_variance(std::span<const float> x, Frac frac) {
  std::vector<double> var(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int f = frac(i);
    var[i] = std::ldexp(1.0, -2 * f) * sr_variance(std::ldexp(double(x[i]), f));
  }
  return var;
}

/// bfp8's exponent for the block of coordinate i: the smallest e with max |x| ≤ 127 2^e.
inline int bfp_exponent(std::span<const float> x, std::size_t block, std::size_t i) {
  const auto lo = i / block * block, hi = std::min(x.size(), lo + block);
  double m = 0;
  for (auto j = lo; j < hi; ++j) m = std::max(m, double(std::fabs(x[j])));
  int e = -128;
  while (m > std::ldexp(127.0, e)) ++e;
  return e;
}

/// Wangni et al. / ATOMO: x_i² (1/p_i − 1).
inline std::vector<double> sparse_variance(std::span<const float> x, const std::vector<double>& p) {
  std::vector<double> var(x.size(), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] != 0) var[i] = double(x[i]) * x[i] * (1 / p[i] - 1);
  }
  return var;
}

/// ATOMO-SVD: Σ over blocks and triplets of σ_j² (1/p_j − 1) (E‖X̂ − X‖²_F).
inline double svd_variance(const pr::codec_params& p, std::span<const float> x) {
  double total = 0;
  std::size_t offset = 0;
  for (const auto& s : p.shapes) {
    Eigen::MatrixXd m(s.rows, s.cols);
    for (std::size_t c = 0; c < s.cols; ++c)
      for (std::size_t r = 0; r < s.rows; ++r) m(r, c) = x[offset + c * s.rows + r];
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(m);
    std::vector<double> sigma(svd.singularValues().data(),
                              svd.singularValues().data() + svd.singularValues().size());
    const auto prob = pr::keep_probabilities_count(sigma, p.atoms);
    for (std::size_t j = 0; j < sigma.size(); ++j) {
      if (sigma[j] > 0) total += sigma[j] * sigma[j] * (1 / prob[j] - 1);
    }
    offset += s.rows * s.cols;
  }
  return total;
}

inline std::vector<float> abs_sorted(std::span<const float> x) {
  std::vector<float> a(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::fabs(x[i]);
  std::sort(a.begin(), a.end(), std::greater<>());
  return a;
}

struct fuzz_counts {
  std::size_t accepted = 0, rejected = 0;
};

/// Decodes `iterations` mutations of a valid buffer (truncations, bit flips, overwritten words,
/// appended bytes, random buffers); every rejection must be an errc::protocol error.
inline fuzz_counts fuzz_decoder(const pr::codec_params& p, const std::vector<std::byte>& valid,
                                std::size_t dim, std::size_t iterations) {
  core::philox_engine rng(
      core::rng_key{99, 0, static_cast<std::uint64_t>(p.kind), core::rng_stream::user});
  fuzz_counts counts;
  std::vector<float> out(dim);
  const std::uint32_t edges[] = {
      0u,          1u,  0xffffffffu, 0x80000000u, std::uint32_t(dim), std::uint32_t(dim + 1),
      0x7f800000u, 0xff};
  for (std::size_t it = 0; it < iterations; ++it) {
    auto buf = valid;
    switch (it % 5) {
      case 0:
        buf.resize(rng.below(buf.size()));
        break;
      case 1:
        for (auto n = 1 + rng.below(4); n-- > 0;) {
          buf[rng.below(buf.size())] ^= std::byte(1u << rng.below(8));
        }
        break;
      case 2:
        if (buf.size() >= 4) {
          const std::uint32_t v = rng.below(2) ? edges[rng.below(std::size(edges))] : rng();
          std::memcpy(buf.data() + rng.below(buf.size() - 3), &v, 4);
        }
        break;
      case 3:
        for (auto n = 1 + rng.below(16); n-- > 0;) buf.push_back(std::byte(rng() & 0xff));
        break;
      default:
        buf.resize(rng.below(2 * valid.size() + 16));
        for (auto& b : buf) b = std::byte(rng() & 0xff);
        if (buf.size() >= 12 && rng.below(2)) std::memcpy(buf.data(), valid.data(), 12);
    }
    auto r = pr::decode(p, buf, std::span<float>(out));
    if (r) {
      ++counts.accepted;
    } else {
      ++counts.rejected;
      CHECK(r.error().code == sgmc::errc::protocol);
    }
  }
  return counts;
}

}  // namespace sgmc::test::codecs
