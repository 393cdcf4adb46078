// Parameter validation of make_sampler, schedule::make, chain and find_mode: bad input becomes
// errc::invalid_config (or dimension_mismatch) with a message naming the key, never a crash.

#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/control_variate.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"
#include "sources.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace sm = sgmc::samplers;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void require_config_error(const sm::sampler_params& p, const std::string& message) {
  auto made = sm::make_sampler(p, 10);
  INFO("kind " << sm::to_string(p.kind));
  REQUIRE_FALSE(made.has_value());
  CHECK(made.error().code == sgmc::errc::invalid_config);
  CHECK(made.error().message == message);
}

sm::sampler_params with_kind(sm::sampler_kind kind) {
  sm::sampler_params p;
  p.kind = kind;
  return p;
}

}  // namespace

TEST_CASE("make_sampler builds every kind with the default parameters", "[samplers][validation]") {
  for (const char* name : sm::sampler_kind_names) {
    const auto kind = sm::parse_sampler_kind(name);
    REQUIRE(kind.has_value());
    CHECK(std::string(sm::to_string(*kind)) == name);
    auto made = sm::make_sampler(with_kind(*kind), 7);
    REQUIRE(made.has_value());
    CHECK((*made)->name() == name);
    CHECK((*made)->dim() == 7);
    const bool noisy = *kind != sm::sampler_kind::sgd && *kind != sm::sampler_kind::sgd_momentum;
    CHECK((*made)->is_stochastic() == noisy);
  }
}

TEST_CASE("make_sampler names the key at fault", "[samplers][validation]") {
  const auto unknown = sm::parse_sampler_kind("sgdl");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == sgmc::errc::invalid_config);
  CHECK(unknown.error().message ==
        "sampler.kind must be one of sgld | sghmc | sghmc-euler | sghmc-exact | "
        "sgld-fp | psgld | sgd | sgd-momentum, got \"sgdl\"");
  require_config_error(with_kind(static_cast<sm::sampler_kind>(99)),
                       "sampler.kind must be a known sampler, got 99");
  sm::sampler_params p;
  for (const char* name : sm::sampler_kind_names) {
    const sm::sampler_kind kind = *sm::parse_sampler_kind(name);
    p = with_kind(kind);
    p.step_size = -1;
    require_config_error(p, "sampler.step_size must be > 0 and finite, got -1");
    p.step_size = 0;
    require_config_error(p, "sampler.step_size must be > 0 and finite, got 0");
    p.step_size = kNaN;
    require_config_error(p, "sampler.step_size must be > 0 and finite, got nan");
    p.step_size = kInf;
    require_config_error(p, "sampler.step_size must be > 0 and finite, got inf");
    p = with_kind(kind);
    p.temperature = -0.5;
    require_config_error(p, "sampler.temperature must be >= 0 and finite, got -0.5");
    p.temperature = kNaN;
    require_config_error(p, "sampler.temperature must be >= 0 and finite, got nan");
    p = with_kind(kind);
    p.batch_size = 0;
    require_config_error(p, "sampler.batch_size must be > 0, got 0");
  }
}

TEST_CASE("make_sampler checks the friction of the kinds that use it", "[samplers][validation]") {
  for (const auto kind : {sm::sampler_kind::sghmc, sm::sampler_kind::sgd_momentum}) {
    for (double a : {0.0, -0.1, 1.5, kNaN}) {
      auto p = with_kind(kind);
      p.friction = a;
      require_config_error(p, "sampler.friction must be in (0, 1] for " +
                                  std::string(sm::to_string(kind)) + ", got " +
                                  fmt::format("{}", a));
    }
  }
  for (const auto kind : {sm::sampler_kind::sghmc_euler, sm::sampler_kind::sghmc_exact}) {
    for (double g : {0.0, -1.0, kInf}) {
      auto p = with_kind(kind);
      p.friction = g;
      require_config_error(p, "sampler.friction must be > 0 and finite for " +
                                  std::string(sm::to_string(kind)) + ", got " +
                                  fmt::format("{}", g));
    }
  }
  auto p = with_kind(sm::sampler_kind::sghmc_euler);
  p.friction = 20.0;
  p.step_size = 0.1;
  require_config_error(p,
                       "sampler.friction × sampler.step_size must be <= 1 for sghmc-euler "
                       "(v is damped by 1 − γh), got 20 × 0.1 = 2");
  p = with_kind(sm::sampler_kind::sghmc_exact);  // exact integration: any γh is fine
  p.friction = 20.0;
  p.step_size = 0.1;
  CHECK(sm::make_sampler(p, 3).has_value());
  p = with_kind(sm::sampler_kind::sgld);  // does not use friction
  p.friction = -5.0;
  CHECK(sm::make_sampler(p, 3).has_value());
}

TEST_CASE("make_sampler checks psgld's and sgld-fp's own keys", "[samplers][validation]") {
  auto p = with_kind(sm::sampler_kind::psgld);
  p.rmsprop_decay = 1.0;
  require_config_error(p, "sampler.rmsprop_decay must be in [0, 1), got 1");
  p.rmsprop_decay = -0.1;
  require_config_error(p, "sampler.rmsprop_decay must be in [0, 1), got -0.1");
  p = with_kind(sm::sampler_kind::psgld);
  p.rmsprop_eps = 0.0;
  require_config_error(p, "sampler.rmsprop_eps must be > 0 and finite, got 0");
  p = with_kind(sm::sampler_kind::sgld_fp);
  p.fp_step_size = -1e-3;
  require_config_error(
      p, "sampler.fp_step_size must be >= 0 and finite (0: use sampler.step_size), got -0.001");
}

TEST_CASE("schedule::make names the key at fault", "[samplers][validation][schedule]") {
  double eps = 1e-4;
  std::uint64_t steps = 1000;
  auto expect = [&](const sm::schedule_params& p, const std::string& message) {
    auto s = sm::schedule::make(p, eps, steps);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code == sgmc::errc::invalid_config);
    CHECK(s.error().message == message);
  };
  const auto unknown = sm::parse_schedule_kind("linear");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == sgmc::errc::invalid_config);
  CHECK(unknown.error().message ==
        "sampler.schedule must be one of constant | polynomial | cyclical, got \"linear\"");
  sm::schedule_params p;
  p.kind = static_cast<sm::schedule_kind>(7);
  expect(p, "sampler.schedule must be a known schedule, got 7");
  p = {};
  eps = 0;
  expect(p, "sampler.step_size must be > 0 and finite, got 0");
  eps = 1e-4;
  p = {};
  p.kind = sm::schedule_kind::polynomial;
  p.step_size_offset = 0;
  expect(p, "sampler.step_size_offset must be > 0 and finite, got 0");
  p.step_size_offset = 1;
  p.step_size_decay = -0.5;
  expect(p, "sampler.step_size_decay must be >= 0 and finite, got -0.5");
  p = {};
  p.kind = sm::schedule_kind::cyclical;
  p.step_size_cycles = 0;
  expect(p, "sampler.step_size_cycles must be >= 1, got 0");
  p.step_size_cycles = 10;
  steps = 5;
  expect(p, "run.steps must be >= sampler.step_size_cycles for the cyclical schedule, got 5 < 10");
}

TEST_CASE("a chain built from bad input reports it and never steps",
          "[samplers][validation][chain]") {
  sgmc::test::recording_source src(4, 10);
  auto kernel = sm::make_sampler(with_kind(sm::sampler_kind::sgld), 4);
  REQUIRE(kernel.has_value());
  auto check = [&](sm::chain_params cp, std::vector<float> theta0, sgmc::errc code,
                   const std::string& msg) {
    sm::chain c(src, **kernel, sm::schedule::constant(0.1), cp, theta0);
    REQUIRE_FALSE(c.status().has_value());
    CHECK(c.status().error().code == code);
    CHECK(c.status().error().message == msg);
    auto s = c.step();
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().message == msg);
    CHECK(c.steps_done() == 0);
    CHECK_FALSE(
        sm::chain::make(src, **kernel, sm::schedule::constant(0.1), cp, theta0).has_value());
  };
  sm::chain_params cp;
  cp.batch_size = 5;
  check(cp, std::vector<float>(3, 0.0f), sgmc::errc::dimension_mismatch,
        "chain: the initial θ has 3 values, the target's dim is 4");
  check(cp, {0.0f, 1.0f, std::nanf(""), 0.0f}, sgmc::errc::invalid_argument,
        "chain: the initial θ[2] is nan");
  cp.batch_size = 11;
  check(cp, std::vector<float>(4, 0.0f), sgmc::errc::invalid_config,
        "sampler.batch_size must be in [1, 10] (the chain's rows), got 11");
  cp.batch_size = 0;
  check(cp, std::vector<float>(4, 0.0f), sgmc::errc::invalid_config,
        "sampler.batch_size must be in [1, 10] (the chain's rows), got 0");
  cp.batch_size = 3;
  cp.rows = {1, 2};
  check(cp, std::vector<float>(4, 0.0f), sgmc::errc::invalid_config,
        "sampler.batch_size must be in [1, 2] (the chain's rows), got 3");
  cp.rows = {1, 2, 10};
  check(cp, std::vector<float>(4, 0.0f), sgmc::errc::invalid_argument,
        "chain: row 10 is out of range (the data has 10 rows)");
  auto other = sm::make_sampler(with_kind(sm::sampler_kind::sgld), 5);
  REQUIRE(other.has_value());
  sm::chain c(src, **other, sm::schedule::constant(0.1), sm::chain_params{},
              std::vector<float>(4, 0.0f));
  CHECK(c.status().error().message ==
        "chain: the sampler was made for dim 5, the target's dim is 4");
}

TEST_CASE("find_mode rejects a bad step size or θ", "[samplers][validation]") {
  sgmc::test::recording_source src(4, 10);
  std::vector<float> theta(4, 1.0f);
  sm::mode_search_params m;
  m.batch_size = 5;
  m.step_size = 0.0;
  auto r = sm::find_mode(src, m, theta);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::invalid_config);
  CHECK(r.error().message ==
        "sampler.fp_step_size (the sgld-fp mode search's step size) must be > 0 and finite, got 0");
  m.step_size = 0.1;
  std::vector<float> wrong(3, 1.0f);
  r = sm::find_mode(src, m, wrong);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::dimension_mismatch);
  m.batch_size = 20;
  r = sm::find_mode(src, m, theta);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "sampler.batch_size must be in [1, 10] (the chain's rows), got 20");
}
