// The chain driver: minibatches by random reshuffling, the keys it hands out, divergence.

#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sources.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

namespace {

namespace sm = sgmc::samplers;

std::unique_ptr<sm::sampler> make(const char* kind, std::size_t dim) {
  sm::sampler_params p;
  p.kind = sm::parse_sampler_kind(kind).value();
  auto made = sm::make_sampler(p, dim);
  REQUIRE(made.has_value());
  return std::move(*made);
}

sm::chain_params params(std::uint64_t seed, std::uint32_t chain, std::size_t batch) {
  sm::chain_params cp;
  cp.seed = seed;
  cp.chain = chain;
  cp.batch_size = batch;
  return cp;
}

}  // namespace

TEST_CASE("each epoch visits every row once, in a fresh order", "[samplers][chain]") {
  sgmc::test::recording_source src(3, 10);
  auto k = make("sgld", 3);
  sm::chain c(src, *k, sm::schedule::constant(1e-3), params(7, 2, 3), std::vector<float>(3, 0.0f));
  REQUIRE(c.status().has_value());
  for (int s = 0; s < 9; ++s) REQUIRE(c.step().has_value());  // three epochs of 3 batches
  CHECK(c.epoch() == 2);
  std::vector<std::vector<std::uint32_t>> epochs(3);
  for (int s = 0; s < 9; ++s) {
    REQUIRE(src.batches[s].size() == 3);
    auto& e = epochs[s / 3];
    e.insert(e.end(), src.batches[s].begin(), src.batches[s].end());
  }
  for (const auto& e : epochs) {
    CHECK(std::set<std::uint32_t>(e.begin(), e.end()).size() == 9);  // one row is left out
    CHECK(*std::max_element(e.begin(), e.end()) < 10);
  }
  CHECK(epochs[0] != epochs[1]);
  CHECK(epochs[1] != epochs[2]);
}

TEST_CASE("batches depend on seed and chain only", "[samplers][chain]") {
  auto run = [](std::uint64_t seed, std::uint32_t chain) {
    sgmc::test::recording_source src(2, 50);
    auto k = make("sgld", 2);
    sm::chain c(src, *k, sm::schedule::constant(1e-3), params(seed, chain, 7),
                std::vector<float>(2, 0.0f));
    for (int s = 0; s < 20; ++s) REQUIRE(c.step().has_value());
    return std::make_pair(src.batches, std::vector<float>(c.theta().begin(), c.theta().end()));
  };
  const auto a = run(1, 0), b = run(1, 0), c = run(2, 0), d = run(1, 1);
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(a.first != c.first);
  CHECK(a.first != d.first);
  CHECK(a.second != c.second);
}

TEST_CASE("a chain on its own rows only uses those rows", "[samplers][chain]") {
  sgmc::test::recording_source src(2, 100);
  auto k = make("sgld", 2);
  auto cp = params(3, 0, 4);
  cp.rows = {5, 6, 7, 8, 9, 50, 51, 52};
  sm::chain c(src, *k, sm::schedule::constant(1e-3), cp, std::vector<float>(2, 0.0f));
  for (int s = 0; s < 10; ++s) REQUIRE(c.step().has_value());
  for (const auto& b : src.batches)
    for (std::uint32_t r : b) CHECK(std::find(cp.rows.begin(), cp.rows.end(), r) != cp.rows.end());
}

TEST_CASE("data-free sources get empty batches, and keys name seed, chain and step",
          "[samplers][chain]") {
  sgmc::test::recording_source src(2, 0);
  auto k = make("sgld", 2);
  sm::chain c(src, *k, sm::schedule::constant(1e-3), params(11, 4, 100),
              std::vector<float>(2, 0.0f));
  for (int s = 0; s < 5; ++s) REQUIRE(c.step().has_value());
  for (std::size_t s = 0; s < 5; ++s) {
    CHECK(src.batches[s].empty());
    CHECK(src.keys[s].seed == 11);
    CHECK(src.keys[s].chain == 4);
    CHECK(src.keys[s].step == s);
    CHECK(src.keys[s].stream == sgmc::core::rng_stream::grad_noise);
  }
  CHECK(c.steps_done() == 5);
}

TEST_CASE("the chain takes its step sizes from the schedule", "[samplers][chain]") {
  sgmc::test::recording_source src(1, 0);
  auto k = make("sgd", 1);
  sm::schedule_params sp;
  sp.kind = sm::schedule_kind::polynomial;
  sp.step_size_offset = 1.0;
  sp.step_size_decay = 1.0;
  auto sched = sm::schedule::make(sp, 0.1, 1000);
  REQUIRE(sched.has_value());
  sm::chain c(src, *k, *sched, params(1, 0, 1), std::vector<float>{1.0f});
  float theta = 1.0f;
  for (std::uint64_t t = 0; t < 4; ++t) {
    REQUIRE(c.step().has_value());
    CHECK(c.last_step_size() == Approx(sched->at(t)));
    theta -= static_cast<float>(0.5 * double(static_cast<float>(sched->at(t)))) *
             theta;  // sgd on U = θ²/2
    CHECK(c.theta()[0] == Approx(theta).epsilon(1e-6));
  }
}

TEST_CASE("a non-finite potential stops the chain with θ untouched", "[samplers][chain]") {
  sgmc::test::recording_source src(5, 0);
  src.nan_potential_at = 5;
  auto k = make("sgld", 5);
  sm::chain c(src, *k, sm::schedule::constant(1e-2), params(1, 0, 1), std::vector<float>(5, 1.0f));
  for (int s = 0; s < 5; ++s) REQUIRE(c.step().has_value());
  const std::vector<float> before(c.theta().begin(), c.theta().end());
  auto r = c.step();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::diverged);
  CHECK(r.error().message == "diverged at step 5: the potential Û(θ) is nan");
  CHECK(std::vector<float>(c.theta().begin(), c.theta().end()) == before);
  CHECK(c.steps_done() == 5);
}

TEST_CASE("a finite gradient large enough to overflow θ is undone as well", "[samplers][chain]") {
  sgmc::test::recording_source src(20000, 0);
  src.inf_gradient_at = 3;
  src.bad_gradient = 3e38f;  // finite, but (ε/2)·3e38 overflows at ε = 10
  auto k = make("sgld", 20000);
  sm::chain c(src, *k, sm::schedule::constant(10.0), params(1, 0, 1),
              std::vector<float>(20000, 1.0f));
  for (int s = 0; s < 3; ++s) REQUIRE(c.step().has_value());
  const std::vector<float> before(c.theta().begin(), c.theta().end());
  auto r = c.step();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::diverged);
  CHECK_THAT(r.error().message, Catch::Contains("θ is restored"));
  CHECK(std::memcmp(before.data(), c.theta().data(), before.size() * sizeof(float)) == 0);
}

TEST_CASE("a non-finite update is undone and reported", "[samplers][chain]") {
  for (const char* kind : sm::sampler_kind_names) {
    SECTION(kind) {
      sgmc::test::recording_source src(20000, 0);  // several chunks: the bad value is in one
      src.inf_gradient_at = 3;
      auto k = make(kind, 20000);
      sm::chain c(src, *k, sm::schedule::constant(1e-2), params(1, 0, 1),
                  std::vector<float>(20000, 1.0f));
      for (int s = 0; s < 3; ++s) REQUIRE(c.step().has_value());
      const std::vector<float> before(c.theta().begin(), c.theta().end());
      auto r = c.step();
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == sgmc::errc::diverged);
      CHECK(r.error().message.rfind(
                "diverged at step 3: θ turned non-finite in the " + std::string(kind), 0) == 0);
      CHECK(std::memcmp(before.data(), c.theta().data(), before.size() * sizeof(float)) == 0);
      CHECK(c.steps_done() == 3);
    }
  }
}

TEST_CASE("chains of one run have distinct noise streams: two chains from one θ0 part",
          "[samplers][chain]") {
  // A target without data (so no minibatch differs between them): what separates chains 0 and
  // 1 of one seed is the chain index in the noise key {seed, chain, t, noise} alone. If it were
  // dropped, every chain of run.chains > 1 would follow one trajectory.
  constexpr std::size_t dim = 8;
  constexpr int steps = 20000;
  sgmc::test::quadratic_source src(dim, 0.0, 1.0);
  auto k = make("sgld", dim);
  const std::vector<float> theta0(dim, 0.25f);
  auto run = [&](std::uint32_t chain) {
    sm::chain c(src, *k, sm::schedule::constant(0.1), params(5, chain, 1), theta0);
    std::vector<float> trace;  // θ_0 of every step
    for (int s = 0; s < steps; ++s) {
      REQUIRE(c.step().has_value());
      trace.push_back(c.theta()[0]);
    }
    return std::make_pair(std::vector<float>(c.theta().begin(), c.theta().end()), trace);
  };
  const auto [a, ta] = run(0);
  const auto [b, tb] = run(1);
  const auto [a2, ta2] = run(0);
  CHECK(ta == ta2);  // one chain index: the same trajectory, bit for bit
  for (std::size_t i = 0; i < dim; ++i) CHECK(a[i] != b[i]);
  // Not the same stream shifted or mirrored either: the trajectories are uncorrelated (an AR(1)
  // with coefficient 1 − ε/2 = 0.95: about 500 effective points, SE of a correlation 0.045).
  double ma = 0, mb = 0;
  for (int s = 0; s < steps; ++s) ma += ta[s], mb += tb[s];
  ma /= steps, mb /= steps;
  double sab = 0, saa = 0, sbb = 0;
  for (int s = 0; s < steps; ++s) {
    sab += (ta[s] - ma) * (tb[s] - mb);
    saa += (ta[s] - ma) * (ta[s] - ma);
    sbb += (tb[s] - mb) * (tb[s] - mb);
  }
  CHECK(std::abs(sab / std::sqrt(saa * sbb)) < 0.25);
}
