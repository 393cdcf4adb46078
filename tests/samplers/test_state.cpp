// save_state/load_state: a kernel restored from another's state continues with its bits (what a
// checkpoint relies on, engine/checkpoint.hpp).
#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace sm = sgmc::samplers;

namespace {

constexpr std::size_t kDim = 700;  // more than two kernel blocks, not a multiple of 256

std::vector<float> gradient_at(const std::vector<float>& theta) {
  std::vector<float> g(theta.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = 2.0f * (theta[i] - 0.3f);
  return g;
}

void steps(sm::sampler& k, std::vector<float>& theta, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t t = from; t < to; ++t) {
    const auto g = gradient_at(theta);
    const sm::step_info info{t, 0.01f, {11, 0, t, sgmc::core::rng_stream::noise}, 0};
    REQUIRE(k.step(theta, g, info));
  }
}

sm::sampler_params params_of(const std::string& name) {
  sm::sampler_params p;
  p.step_size = 0.01;
  p.friction = 0.2;
  if (name == "sgld-fixed8-low" || name == "sgld-bfp8-full") {
    p.kind = sm::sampler_kind::sgld;
    p.precision.weights =
        name == "sgld-fixed8-low" ? sm::weights_format::fixed8 : sm::weights_format::bfp8;
    p.precision.accumulator =
        name == "sgld-fixed8-low" ? sm::accumulator_kind::low : sm::accumulator_kind::full;
    return p;
  }
  auto kind = sm::parse_sampler_kind(name);
  REQUIRE(kind);
  p.kind = *kind;
  return p;
}

}  // namespace

TEST_CASE("a kernel loaded with another's saved state continues with its bits",
          "[samplers][state]") {
  for (const std::string name : {"sgld", "sghmc", "sghmc-euler", "sghmc-exact", "psgld",
                                 "sgld-fixed8-low", "sgld-bfp8-full"}) {
    INFO(name);
    const auto p = params_of(name);
    auto a = sm::make_sampler(p, kDim);
    auto b = sm::make_sampler(p, kDim);
    auto fresh = sm::make_sampler(p, kDim);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(fresh);
    std::vector<float> theta(kDim);
    sgmc::core::fill_normal({5, 0, 0, sgmc::core::rng_stream::init}, 0, theta);
    steps(**a, theta, 0, 20);
    const auto saved = (*a)->save_state();
    std::vector<float> theta_b = theta, theta_fresh = theta;
    steps(**a, theta, 20, 40);
    REQUIRE((*b)->load_state(saved));
    steps(**b, theta_b, 20, 40);
    CHECK(std::memcmp(theta.data(), theta_b.data(), kDim * sizeof(float)) == 0);
    // A kernel with state that starts afresh is another chain (the negative control).
    steps(**fresh, theta_fresh, 20, 40);
    if (!saved.empty() && name != "sgld-fixed8-low")
      CHECK(std::memcmp(theta.data(), theta_fresh.data(), kDim * sizeof(float)) != 0);
    // A state of the wrong size is refused and changes nothing.
    std::vector<float> wrong(saved.size() + 3, 0.0f);
    CHECK_FALSE((*b)->load_state(wrong));
  }
}
