// Every kernel against its naive serial reference, bit-for-bit determinism across thread counts,
// and the fused divergence check.

#include "reference_kernels.hpp"
#include "sgmc/samplers/momentum_sampler.hpp"
#include "sgmc/samplers/psgld.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/sgld.hpp"

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>

namespace {

using sgmc::test::vec;
namespace sm = sgmc::samplers;

// Several chunks (core::kChunk = 8192) and a partial last chunk and block.
constexpr std::size_t kDim = 3 * 8192 + 517;
// The kernels and the references use the same float coefficients and the same noise; they may
// still differ by float rounding (Eigen may evaluate a*b+c with an FMA, and its vectorised sqrt
// is a refined reciprocal square root, not correctly rounded): a few ulps of the result.
constexpr double kKernelRelTol = 2e-6;
constexpr int kSteps = 3;
constexpr double kTemperature = 0.7;

vec draw(std::uint64_t seed, float scale) {
  vec x(kDim);
  sgmc::core::fill_normal({seed, 9, 0, sgmc::core::rng_stream::user}, 0, x);
  for (float& v : x) v *= scale;
  return x;
}

sm::step_info info_at(std::uint64_t step, float eps) {
  return {step, eps, sgmc::core::rng_key{1234, 5, step}};
}

std::span<const float> state_of(const sm::sampler& s) {
  if (auto* k = dynamic_cast<const sm::momentum_sampler*>(&s)) return k->momentum();
  if (auto* k = dynamic_cast<const sm::psgld*>(&s)) return k->mean_square();
  return {};
}

// One case: the kernel's params, its step size and the reference update.
struct kernel_case {
  sm::sampler_params params;
  float step_size;
  std::function<void(vec& theta, vec& state, const vec& g, const sm::step_info& info)> reference;
};

kernel_case make_case(const std::string& kind, double temperature = kTemperature) {
  sm::sampler_params p;
  p.kind = sm::parse_sampler_kind(kind).value();
  p.temperature = temperature;
  p.friction = 0.3;
  p.rmsprop_decay = 0.9;
  p.rmsprop_eps = 1e-3;
  const double T = p.temperature, a = p.friction;
  using namespace sgmc::test;
  if (p.kind == sm::sampler_kind::sgld || p.kind == sm::sampler_kind::sgld_fp)
    return {p, 0.01f,
            [=](vec& t, vec&, const vec& g, const sm::step_info& i) { ref_sgld(t, g, i, T); }};
  if (p.kind == sm::sampler_kind::sgd)
    return {p, 0.01f, [](vec& t, vec&, const vec& g, const sm::step_info& i) { ref_sgd(t, g, i); }};
  if (p.kind == sm::sampler_kind::sghmc)
    return {p, 0.01f, [=](vec& t, vec& v, const vec& g, const sm::step_info& i) {
              ref_sghmc(t, v, g, i, a, T);
            }};
  if (p.kind == sm::sampler_kind::sgd_momentum)
    return {p, 0.01f, [=](vec& t, vec& v, const vec& g, const sm::step_info& i) {
              ref_sgd_momentum(t, v, g, i, a);
            }};
  if (p.kind == sm::sampler_kind::sghmc_euler)
    return {p, 0.1f, [=](vec& t, vec& v, const vec& g, const sm::step_info& i) {
              ref_sghmc_euler(t, v, g, i, a, T);
            }};
  if (p.kind == sm::sampler_kind::sghmc_exact)
    return {p, 0.1f, [=](vec& t, vec& v, const vec& g, const sm::step_info& i) {
              ref_sghmc_exact(t, v, g, i, a, T);
            }};
  const double d = p.rmsprop_decay, l = p.rmsprop_eps;
  return {p, 0.01f, [=](vec& t, vec& m, const vec& g, const sm::step_info& i) {
            ref_psgld(t, m, g, i, d, l, T);
          }};
}

void require_close(std::span<const float> got, const vec& want, const char* what) {
  REQUIRE(got.size() == want.size());
  std::size_t worst = 0;
  double worst_err = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double err = std::abs(double(got[i]) - want[i]) / (1.0 + std::abs(want[i]));
    if (err > worst_err) worst_err = err, worst = i;
  }
  INFO(what << ": worst element " << worst << " got " << got[worst] << " want " << want[worst]);
  CHECK(worst_err <= kKernelRelTol);
}

// Runs kSteps steps of the kernel on fresh gradients; returns θ and the state after them.
std::pair<vec, vec> run_kernel(const kernel_case& c) {
  auto made = sm::make_sampler(c.params, kDim);
  REQUIRE(made.has_value());
  sm::sampler& k = **made;
  vec theta = draw(1, 1.0f);
  for (int s = 0; s < kSteps; ++s) {
    const vec g = draw(100 + s, 3.0f);
    REQUIRE(k.step(theta, g, info_at(s, c.step_size)));
  }
  const auto st = state_of(k);
  return {theta, vec(st.begin(), st.end())};
}

}  // namespace

TEST_CASE("every kernel matches its naive serial reference", "[samplers][kernels]") {
  for (const char* kind : sm::sampler_kind_names) {
    SECTION(kind) {
      const kernel_case c = make_case(kind);
      auto [theta, state] = run_kernel(c);
      vec ref_theta = draw(1, 1.0f), ref_state(kDim, 0.0f);
      for (int s = 0; s < kSteps; ++s)
        c.reference(ref_theta, ref_state, draw(100 + s, 3.0f), info_at(s, c.step_size));
      require_close(theta, ref_theta, "theta");
      if (!state.empty()) require_close(state, ref_state, "state");
    }
  }
}

TEST_CASE("kernels give the same bits with 1 and 2 threads", "[samplers][kernels]") {
  for (const char* kind : sm::sampler_kind_names) {
    SECTION(kind) {
      const kernel_case c = make_case(kind);
      std::pair<vec, vec> one, two;
      {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = run_kernel(c);
      }
      {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
        two = run_kernel(c);
      }
      REQUIRE(std::memcmp(one.first.data(), two.first.data(), kDim * sizeof(float)) == 0);
      REQUIRE(one.second.size() == two.second.size());
      REQUIRE(one.second == two.second);  // the state (a float == is bitwise here: no NaN)
    }
  }
}

TEST_CASE("a kernel reports a non-finite update however far into the vector",
          "[samplers][kernels]") {
  for (const char* kind : sm::sampler_kind_names) {
    SECTION(kind) {
      const kernel_case c = make_case(kind);
      for (float bad :
           {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        for (std::size_t where : {std::size_t{0}, kDim / 2, kDim - 1}) {
          auto k = sm::make_sampler(c.params, kDim);
          REQUIRE(k.has_value());
          vec theta = draw(1, 1.0f), g = draw(2, 1.0f);
          REQUIRE((*k)->step(theta, g, info_at(0, c.step_size)));
          g[where] = bad;
          INFO("bad gradient " << bad << " at " << where);
          CHECK_FALSE((*k)->step(theta, g, info_at(1, c.step_size)));
        }
      }
    }
  }
}

TEST_CASE("temperature 0 switches the noise off", "[samplers][kernels]") {
  for (const char* kind : {"sgld", "sghmc", "sghmc-euler", "sghmc-exact", "psgld"}) {
    SECTION(kind) {
      const kernel_case c = make_case(kind, 0.0);
      auto k1 = sm::make_sampler(c.params, kDim), k2 = sm::make_sampler(c.params, kDim);
      REQUIRE(k1.has_value());
      REQUIRE(k2.has_value());
      CHECK_FALSE((*k1)->is_stochastic());
      vec t1 = draw(1, 1.0f), t2 = t1, ref_theta = t1, ref_state(kDim, 0.0f);
      const vec g = draw(2, 1.0f);
      REQUIRE((*k1)->step(t1, g, info_at(0, c.step_size)));
      REQUIRE((*k2)->step(t2, g, info_at(77, c.step_size)));  // another noise key: same result
      CHECK(t1 == t2);
      c.reference(ref_theta, ref_state, g, info_at(0, c.step_size));
      require_close(t1, ref_theta, "theta");
    }
  }
}

TEST_CASE("kernel results do not depend on the vectors' alignment", "[samplers][kernels]") {
  // Vectorised loops peel unaligned heads into scalar code: both must give the same bits.
  for (const char* kind : sm::sampler_kind_names) {
    SECTION(kind) {
      const kernel_case c = make_case(kind);
      const vec theta0 = draw(1, 1.0f), g0 = draw(2, 3.0f);
      vec first;
      for (std::size_t offset : {0u, 1u, 3u, 8u}) {
        auto k = sm::make_sampler(c.params, kDim);
        REQUIRE(k.has_value());
        vec tbuf(kDim + offset), gbuf(kDim + offset);
        std::copy(theta0.begin(), theta0.end(), tbuf.begin() + offset);
        std::copy(g0.begin(), g0.end(), gbuf.begin() + offset);
        std::span<float> t(tbuf.data() + offset, kDim);
        std::span<const float> g(gbuf.data() + offset, kDim);
        for (int s = 0; s < kSteps; ++s) REQUIRE((*k)->step(t, g, info_at(s, c.step_size)));
        vec out(t.begin(), t.end());
        if (first.empty()) first = out;
        INFO("offset " << offset);
        REQUIRE(std::memcmp(first.data(), out.data(), kDim * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("psgld averages the per-datum gradient: (eps, lambda, N) equals (eps N, lambda N, 0)",
          "[samplers][kernels]") {
  // Li et al. 2016, Algorithm 1: V averages ḡ = ∇Û/N. Scaling ḡ by 1/N is the same as scaling
  // ε and λ by N with V on ∇Û itself; in float the two differ by rounding only.
  constexpr std::size_t kN = 60000;
  constexpr double kEps = 1e-7, kLambda = 1e-5;
  sm::psgld with_n(kDim, 0.99, kLambda, kTemperature, kN);
  sm::psgld scaled(kDim, 0.99, kLambda * kN, kTemperature, 0);
  sm::psgld without_n(kDim, 0.99, kLambda, kTemperature, 0);
  vec t1 = draw(1, 1.0f), t2 = t1, t3 = t1;
  const vec g = draw(2, 3.0f * kN);
  for (int s = 0; s < kSteps; ++s) {
    REQUIRE(with_n.step(t1, g, info_at(s, static_cast<float>(kEps))));
    REQUIRE(scaled.step(t2, g, info_at(s, static_cast<float>(kEps * kN))));
    REQUIRE(without_n.step(t3, g, info_at(s, static_cast<float>(kEps))));
  }
  double max_rel = 0.0, max_diff_unscaled = 0.0;
  for (std::size_t i = 0; i < kDim; ++i) {
    max_rel = std::max(max_rel, std::abs(double(t1[i]) - t2[i]) / (std::abs(double(t2[i])) + 1));
    max_diff_unscaled = std::max(max_diff_unscaled, std::abs(double(t1[i]) - t3[i]));
  }
  CHECK(max_rel < 1e-5);
  CHECK(max_diff_unscaled > 1e-3);  // without N the preconditioner is N times smaller
}

TEST_CASE("sgd and sgd-momentum give the bits of sgld and sghmc at temperature 0",
          "[samplers][kernels]") {
  // The kinds are the zero-temperature cases of the stochastic kernels: same θ and momentum
  // bits over several steps, signed zeros included, and their own names.
  const std::pair<const char*, const char*> pairs[] = {{"sgd", "sgld"}, {"sgd-momentum", "sghmc"}};
  for (const auto& [baseline, kernel] : pairs) {
    SECTION(baseline) {
      kernel_case b = make_case(baseline), k = make_case(kernel, 0.0);
      b.params.temperature = kTemperature;  // ignored by the baselines
      auto kb = sm::make_sampler(b.params, kDim), kk = sm::make_sampler(k.params, kDim);
      REQUIRE(kb.has_value());
      REQUIRE(kk.has_value());
      CHECK((*kb)->name() == baseline);
      CHECK_FALSE((*kb)->is_stochastic());
      vec tb = draw(1, 1.0f), tk = tb;
      tb[7] = tk[7] = -0.0f;
      for (int s = 0; s < kSteps; ++s) {
        vec g = draw(100 + s, 3.0f);
        g[7] = 0.0f;
        REQUIRE((*kb)->step(tb, g, info_at(s, b.step_size)));
        REQUIRE((*kk)->step(tk, g, info_at(s + 50, k.step_size)));
      }
      CHECK(std::memcmp(tb.data(), tk.data(), kDim * sizeof(float)) == 0);
      const auto sb = state_of(**kb), sk = state_of(**kk);
      REQUIRE(sb.size() == sk.size());
      // (memcmp of no bytes still needs valid pointers: an empty state has none.)
      CHECK((sb.empty() || std::memcmp(sb.data(), sk.data(), sb.size() * sizeof(float)) == 0));
    }
  }
}
