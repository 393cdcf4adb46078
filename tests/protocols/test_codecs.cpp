// Codecs (protocols/codec.hpp): unbiasedness at the 1/√n rate, variance against each paper's
// formula, exact round trips, determinism, encoded sizes, and decoders that reject every
// malformed buffer with an error (fuzzed).

#include "codec_reference.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

namespace {

using namespace sgmc::test::codecs;

constexpr std::size_t kDraws = 4000;  // encodings per moment test
constexpr double kMeanZ = 6.0;        // per-coordinate |mean − x| ≤ kMeanZ √(Var / n)
constexpr double kVarRel = 0.1;       // empirical total variance within 10% of the formula

struct moments {
  std::vector<double> mean, var;
  double mean_count = 0;
};

/// Mean and variance per coordinate of n decodings of x, keyed by version 0..n−1, by one
/// encoder (or a fresh one per message: no error-feedback state carried over).
moments sample(const pr::codec_params& p, std::span<const float> x, std::size_t n,
               bool fresh = false) {
  auto enc = pr::encoder::make(p, x.size());
  REQUIRE(enc.has_value());
  moments m;
  m.mean.assign(x.size(), 0.0);
  m.var.assign(x.size(), 0.0);
  std::vector<float> y(x.size());
  std::vector<std::byte> buf;
  for (std::size_t t = 0; t < n; ++t) {
    if (fresh) enc = pr::encoder::make(p, x.size());
    enc->encode(x, pr::codec_key(7, 1, t), buf);
    auto ok = pr::decode(p, buf, std::span<float>(y));
    REQUIRE(ok.has_value());
    for (std::size_t i = 0; i < x.size(); ++i) {
      m.mean[i] += y[i];
      m.var[i] += double(y[i]) * y[i];
      m.mean_count += y[i] != 0.0f;
    }
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    m.mean[i] /= double(n);
    m.var[i] = m.var[i] / double(n) - m.mean[i] * m.mean[i];
  }
  m.mean_count /= double(n);
  return m;
}

struct unbiased_stats {
  double max_z = 0;      ///< max over coordinates of |mean − x| / √(Var / n)
  double var_ratio = 0;  ///< empirical Σ Var x̂_i / the formula's
  double err_ratio = 0;  ///< ‖mean − x‖² / (Σ Var / n): 1 in expectation at the 1/√n rate
};

/// E x̂ against x and the empirical variance against the formula's `total` (and per-coordinate
/// `var` when known, else empty), over kDraws encodings.
unbiased_stats unbiased_check(const pr::codec_params& p, std::span<const float> x, double total,
                              const std::vector<double>& var, bool fresh = false) {
  const auto m = sample(p, x, kDraws, fresh);
  unbiased_stats st;
  double err2 = 0, emp_total = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    err2 += (m.mean[i] - x[i]) * (m.mean[i] - x[i]);
    emp_total += m.var[i];
    if (!var.empty()) {
      const double dev = std::fabs(m.mean[i] - x[i]) - 1e-6;
      if (dev > 0) st.max_z = std::max(st.max_z, dev / std::sqrt(var[i] / kDraws));
    }
  }
  st.var_ratio = emp_total / total;
  st.err_ratio = err2 / (total / kDraws);
  return st;
}

/// The checks shared by every unbiased codec.
void check_unbiased(const pr::codec_params& p, std::span<const float> x, double total,
                    const std::vector<double>& var) {
  const auto st = unbiased_check(p, x, total, var);
  INFO("codec " << pr::to_string(p.kind) << ": max z " << st.max_z << ", variance ratio "
                << st.var_ratio << ", error ratio " << st.err_ratio);
  CHECK(st.max_z < kMeanZ);
  CHECK(std::fabs(st.var_ratio - 1.0) < kVarRel);
  CHECK(st.err_ratio > 0.5);
  CHECK(st.err_ratio < 1.6);
}

}  // namespace

TEST_CASE("codec names parse and print", "[codecs]") {
  for (const char* name : pr::codec_kind_names) {
    auto k = pr::parse_codec_kind(name);
    REQUIRE(k.has_value());
    CHECK(std::string(pr::to_string(*k)) == name);
  }
  auto bad = pr::parse_codec_kind("gzip");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == sgmc::errc::invalid_config);
  CHECK(bad.error().message.find("random-sparse") != std::string::npos);
  CHECK_FALSE(pr::is_unbiased(pr::codec_kind::topk));
  CHECK(pr::is_unbiased(pr::codec_kind::qsgd));
}

TEST_CASE("codec params out of range are config errors", "[codecs]") {
  auto p = params_of(pr::codec_kind::random_sparse);
  p.fraction = 0;
  CHECK_FALSE(pr::validate(p, 10).has_value());
  p = params_of(pr::codec_kind::qsgd);
  p.bits = 1;
  CHECK_FALSE(pr::validate(p, 10).has_value());
  p = params_of(pr::codec_kind::atomo_svd);
  CHECK(pr::validate(p, kShapesDim).has_value());
  auto e = pr::validate(p, kShapesDim + 1);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().message.find("shapes cover") != std::string::npos);
  p = params_of(pr::codec_kind::random_sparse);
  p.solver = pr::sparse_solver::greedy;
  p.budget = pr::sparse_budget::variance;
  CHECK_FALSE(pr::encoder::make(p, 10).has_value());
}

TEST_CASE("identity round-trips every float bit for bit", "[codecs]") {
  std::vector<float> x = {0.0f,
                          -0.0f,
                          1e-45f,
                          -3.5f,
                          std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(),
                          3.4e38f};
  const auto p = params_of(pr::codec_kind::identity);
  auto buf = pr::encoder::make(p, x.size())->encode(x, pr::codec_key(1, 0, 0));
  CHECK(buf.size() == 12 + 4 * x.size());
  auto y = pr::decode(p, buf, x.size());
  REQUIRE(y.has_value());
  CHECK(std::memcmp(y->data(), x.data(), x.size() * 4) == 0);
}

TEST_CASE("fixed8 and bfp8 round-trip representable values exactly", "[codecs]") {
  auto p = params_of(pr::codec_kind::fixed8);
  std::vector<float> x;
  for (int q = -128; q <= 127; ++q) x.push_back(std::ldexp(float(q), -p.fraction_bits));
  auto y =
      pr::decode(p, pr::encoder::make(p, x.size())->encode(x, pr::codec_key(1, 0, 3)), x.size());
  REQUIRE(y.has_value());
  CHECK(*y == x);
  p = params_of(pr::codec_kind::bfp8);
  x.clear();
  for (int i = 0; i < 96; ++i) x.push_back(std::ldexp(float((i * 37) % 255 - 127), i / 32 - 5));
  for (std::size_t b = 0; b < 3; ++b) x[b * 32] = std::ldexp(127.0f, int(b) - 5);  // block max
  y = pr::decode(p, pr::encoder::make(p, x.size())->encode(x, pr::codec_key(1, 0, 3)), x.size());
  REQUIRE(y.has_value());
  CHECK(*y == x);
}

TEST_CASE("the same key gives the same bytes, another version other bytes", "[codecs]") {
  const auto x = test_vector(300, 11);
  for (auto kind : kAllKinds) {
    INFO("codec " << pr::to_string(kind));
    const auto p = params_of(kind);
    const auto xs = std::span<const float>(x).first(dim_of(kind, x.size()));
    auto a = pr::encoder::make(p, xs.size()), b = pr::encoder::make(p, xs.size());
    const auto ba = a->encode(xs, pr::codec_key(5, 2, 9)),
               bb = b->encode(xs, pr::codec_key(5, 2, 9));
    CHECK(ba == bb);
    if (pr::is_unbiased(kind) && kind != pr::codec_kind::identity) {
      auto c = pr::encoder::make(p, xs.size());
      CHECK(c->encode(xs, pr::codec_key(5, 2, 10)) != ba);
    }
  }
}

TEST_CASE("encoded sizes are what the wire format states", "[codecs]") {
  const auto x = test_vector(1000, 3);
  CHECK(encode_once(params_of(pr::codec_kind::identity), x).size() == 12 + 4000);
  CHECK(encode_once(params_of(pr::codec_kind::fixed8), x).size() == 12 + 1000);
  CHECK(encode_once(params_of(pr::codec_kind::bfp8), x).size() == 12 + 1000 + 32);  // ⌈1000/32⌉
  auto q = params_of(pr::codec_kind::qsgd);
  q.bits = 4;
  q.bucket_size = 128;
  CHECK(encode_once(q, x).size() == 12 + 4 * 8 + 500);
  auto t = params_of(pr::codec_kind::topk);
  t.fraction = 0.05;
  CHECK(encode_once(t, x).size() == 12 + 4 + 8 * 50);
  auto s = params_of(pr::codec_kind::random_sparse);
  auto bytes = encode_once(s, x);
  std::uint32_t count = 0;
  std::memcpy(&count, bytes.data() + 12, 4);
  CHECK(bytes.size() == 12 + 4 + 8 * std::size_t{count});
}

TEST_CASE("qsgd is unbiased with the variance of stochastic rounding between levels", "[codecs]") {
  const auto x = test_vector(256, 1);
  for (unsigned bits : {2u, 4u, 8u}) {
    auto p = params_of(pr::codec_kind::qsgd);
    p.bits = bits;
    p.bucket_size = 64;
    const auto var = qsgd_variance(p, x);
    const double total = std::accumulate(var.begin(), var.end(), 0.0);
    // Alistarh et al., Lemma 3.1, per bucket of n values
    const double s = double((1u << (bits - 1)) - 1), n = double(p.bucket_size);
    CHECK(total <= std::min(n / (s * s), std::sqrt(n) / s) * squared_norm(x));
    check_unbiased(p, x, total, var);
  }
}

TEST_CASE("fixed8 and bfp8 are unbiased with the stochastic rounding variance", "[codecs]") {
  auto x = test_vector(256, 2);
  auto p = params_of(pr::codec_kind::fixed8);
  p.fraction_bits = 5;  // range ±4, test_vector stays within ±3
  auto var = rounding_variance(x, [&](std::size_t) { return p.fraction_bits; });
  check_unbiased(p, x, std::accumulate(var.begin(), var.end(), 0.0), var);
  p = params_of(pr::codec_kind::bfp8);
  p.block_size = 16;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::ldexp(x[i], int(i / 16 % 7) * 5 - 15);
  var = rounding_variance(x, [&](std::size_t i) { return -bfp_exponent(x, p.block_size, i); });
  check_unbiased(p, x, std::accumulate(var.begin(), var.end(), 0.0), var);
}

TEST_CASE("random-sparse keeps the budget and is unbiased with Wangni's variance", "[codecs]") {
  const auto x = test_vector(256, 4);
  auto p = params_of(pr::codec_kind::random_sparse);
  p.fraction = 0.2;
  auto prob = pr::keep_probabilities(x, p);
  CHECK(std::accumulate(prob.begin(), prob.end(), 0.0) == Approx(0.2 * 256));
  auto var = sparse_variance(x, prob);
  check_unbiased(p, x, std::accumulate(var.begin(), var.end(), 0.0), var);

  SECTION("the greedy iteration spends no more and loses to the closed form in variance") {
    auto g = p;
    g.solver = pr::sparse_solver::greedy;
    auto pg = pr::keep_probabilities(x, g);
    CHECK(std::accumulate(pg.begin(), pg.end(), 0.0) <= 0.2 * 256 + 1e-9);
    auto vg = sparse_variance(x, pg);
    const double total_g = std::accumulate(vg.begin(), vg.end(), 0.0);
    CHECK(total_g >= std::accumulate(var.begin(), var.end(), 0.0) * (1 - 1e-9));
    check_unbiased(g, x, total_g, vg);
  }
  SECTION("a variance budget gives Σ Var = ε ‖x‖²") {
    auto v = p;
    v.budget = pr::sparse_budget::variance;
    v.variance = 0.5;
    auto pv = pr::keep_probabilities(x, v);
    auto vv = sparse_variance(x, pv);
    const double total_v = std::accumulate(vv.begin(), vv.end(), 0.0);
    CHECK(total_v == Approx(0.5 * squared_norm(x)).epsilon(1e-6));
    check_unbiased(v, x, total_v, vv);
  }
}

TEST_CASE("atomo-entry and atomo-svd are unbiased with ATOMO's variance", "[codecs]") {
  const auto x = test_vector(kShapesDim, 5);
  auto p = params_of(pr::codec_kind::atomo_entry);
  p.atoms = 40;
  auto prob = pr::keep_probabilities(x, p);
  CHECK(std::accumulate(prob.begin(), prob.end(), 0.0) == Approx(40));
  auto var = sparse_variance(x, prob);
  check_unbiased(p, x, std::accumulate(var.begin(), var.end(), 0.0), var);

  p = params_of(pr::codec_kind::atomo_svd);
  p.atoms = 2;
  check_unbiased(p, x, svd_variance(p, x), {});
}

TEST_CASE("topk sends the k largest and feeds the rest back", "[codecs]") {
  const auto x = test_vector(200, 6);
  auto p = params_of(pr::codec_kind::topk);
  p.fraction = 0.1;
  auto enc = pr::encoder::make(p, x.size());
  std::vector<double> sent(x.size(), 0.0);
  for (int t = 0; t < 30; ++t) {
    auto y = pr::decode(p, enc->encode(x, pr::codec_key(1, 0, t)), x.size());
    REQUIRE(y.has_value());
    CHECK(std::count_if(y->begin(), y->end(), [](float v) { return v != 0; }) <= 20);
    if (t == 0) {  // the first message is exactly the 20 largest |x_i|
      auto sorted = abs_sorted(x);
      for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(((*y)[i] != 0) == (std::fabs(x[i]) >= sorted[19]));
        if ((*y)[i] != 0) CHECK((*y)[i] == x[i]);
      }
    }
    for (std::size_t i = 0; i < x.size(); ++i) sent[i] += (*y)[i];
  }
  // error feedback: what was sent plus what is left is everything that was given
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(sent[i] + enc->residual()[i] == Approx(30.0 * x[i]).margin(1e-4));
  }
}

TEST_CASE("decoders reject buffers of the wrong codec, dim or length", "[codecs]") {
  const auto x = test_vector(100, 7);
  const auto q = params_of(pr::codec_kind::qsgd);
  auto buf = encode_once(q, x);
  auto wrong_dim = pr::decode(q, buf, 99);
  REQUIRE_FALSE(wrong_dim.has_value());
  CHECK(wrong_dim.error().code == sgmc::errc::protocol);
  CHECK(wrong_dim.error().message == "codec qsgd: dim 100 where 99 expected");
  auto wrong_kind = pr::decode(params_of(pr::codec_kind::fixed8), buf, 100);
  REQUIRE_FALSE(wrong_kind.has_value());
  CHECK(wrong_kind.error().message == "codec fixed8: the buffer was encoded with codec qsgd");
  buf.pop_back();
  CHECK_FALSE(pr::decode(q, buf, 100).has_value());
  CHECK_FALSE(pr::decode(q, {}, 100).has_value());
}

TEST_CASE("fuzzed buffers decode to an error or to dim values, never a crash", "[codecs]") {
  const auto x = test_vector(kShapesDim, 8);
  for (auto kind : kAllKinds) {
    INFO("codec " << pr::to_string(kind));
    const auto p = params_of(kind);
    const auto xs = std::span<const float>(x).first(dim_of(kind, x.size()));
    const auto valid = encode_once(p, xs);
    REQUIRE(pr::decode(p, valid, xs.size()).has_value());
    const auto counts = fuzz_decoder(p, valid, xs.size(), 3000);
    CHECK(counts.rejected > 0);
    CHECK(counts.rejected + counts.accepted == 3000);
  }
}

TEST_CASE("the unbiasedness check fails a biased codec (negative control)", "[codecs]") {
  // topk without its error feedback (a fresh encoder per message) sends the largest 10% and
  // drops the rest every time: measured against random-sparse's variance at the same budget,
  // its mean misses the dropped coordinates by many σ. (With error feedback, the long-run
  // average of what topk sends does converge to x.)
  const auto x = test_vector(256, 9);
  auto s = params_of(pr::codec_kind::random_sparse);
  const auto var = sparse_variance(x, pr::keep_probabilities(x, s));
  const double total = std::accumulate(var.begin(), var.end(), 0.0);
  CHECK(unbiased_check(s, x, total, var).max_z < kMeanZ);
  auto t = params_of(pr::codec_kind::topk);
  t.fraction = 0.1;
  const auto st = unbiased_check(t, x, total, var, true);
  CHECK(st.max_z > kMeanZ);
  CHECK(st.err_ratio > 10);
}

TEST_CASE("zero and empty payloads decode to zeros", "[codecs]") {
  for (auto kind : kAllKinds) {
    INFO("codec " << pr::to_string(kind));
    const auto p = params_of(kind);
    const std::vector<float> zeros(dim_of(kind, 40), 0.0f);
    auto y = pr::decode(p, encode_once(p, zeros), zeros.size());
    REQUIRE(y.has_value());
    CHECK(*y == zeros);
    if (kind == pr::codec_kind::atomo_svd) continue;  // its shapes fix dim
    auto e = pr::decode(p, encode_once(p, {}), 0);
    REQUIRE(e.has_value());
    CHECK(e->empty());
  }
}
