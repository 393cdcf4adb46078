// What async samples in virtual time: with constant compute times and no latency the workers
// push in turn, every push W − 1 versions stale (test_simulator.cpp), so the master's chain
// is the recursion θ_{v+1} = θ_v − (ε/2)(P(θ_{v−W+1} − μ) + s η) + √(εT) ξ whose stationary
// variance tests/protocols/lyapunov.hpp derives from the rules (async_scheme).
#include "../protocols/lyapunov.hpp"
#include "sim_fixture.hpp"

#include <cmath>

namespace t = sgmc::test;

TEST_CASE("async in virtual time samples the stale recursion's exact stationary variance") {
  // N(0.5, 2) in 4096 coordinates, gradient noise s = 1, W = 4, ε = 0.5, T = 0.8: Var θ =
  // 2.914, 1.82 × the posterior's T/P. Draws every `thin` versions, thin a whole number of
  // rounds with a correlation ≤ 0.1 between draws (the spectral radius of the round's map): 64
  // draws give the variance to √(2/(4096·64)) = 0.28%, so 2% is 7 standard errors; fresh
  // gradients (−32%), a √2 noise, T dropped fail.
  constexpr std::size_t dim = 4096;
  constexpr std::uint32_t W = 4;
  const t::scalar_target tg{0.5, 0.5, 0.8, 1.0};
  const t::linear_scheme scheme = t::async_scheme(tg, W);
  const auto rounds = std::uint64_t(std::ceil(std::log(0.1) / std::log(scheme.spectral_radius())));
  sgmc::models::model_params mp;
  mp.kind = sgmc::models::model_kind::gaussian;
  mp.mean.assign(dim, 0.5);
  mp.variance.assign(dim, 2.0);
  mp.grad_noise = 1.0;
  sgmc::models::data_split none;
  auto m = sgmc::models::make_model(mp, none);
  REQUIRE(m);
  auto cfg = t::sim_config(W, 0);
  cfg.sampler.step_size = tg.eps;
  cfg.sampler.temperature = tg.T;
  cfg.run.thin = W * rounds;
  cfg.run.burnin = 50 * cfg.run.thin;
  cfg.run.steps = cfg.run.burnin + 64 * cfg.run.thin;
  const auto run = t::simulate(cfg, **m);
  REQUIRE(run.draws.size() == 64);
  double var = 0.0;
  for (const auto& d : run.draws) {
    double sum = 0.0;
    for (float x : d.theta) sum += (x - 0.5) * (x - 0.5);
    var += sum / dim / double(run.draws.size());
  }
  const double exact = scheme.stationary()(0, 0);
  CAPTURE(var, exact, cfg.run.thin, cfg.seed);
  CHECK(std::abs(var / exact - 1.0) < 0.02);
  CHECK(run.result.report.staleness.max == W - 1);
}
