// elastic: each worker its own chain pulled toward the centre by −ρ(θ_i − θ̃); an exchange
// moves the centre by α(θ_i − θ̃).

#include "helpers.hpp"

#include <cmath>

namespace {

using namespace sgmc::test;

// Centre updates are one float expression per element, θ̃ + α(θ_i − θ̃): the test computes it in
// double, so the two differ by the float rounding of three operations (< 2 ulp of the larger
// magnitude involved).
constexpr float kUlps = 2.0f * 1.2e-7f;

std::vector<float> copy_of(std::span<const float> x) { return {x.begin(), x.end()}; }

}  // namespace

TEST_CASE("an elastic exchange moves the centre by alpha (theta_i - centre)",
          "[protocols][elastic]") {
  auto cfg = quadratic_config(pr::protocol_kind::elastic, 2, 2, 700, 100);
  cfg.protocol.elastic_period = 3;
  cfg.protocol.elastic_alpha = 0.3;
  cfg.protocol.elastic_rho = 2.0;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int t = 0; t < 3; ++t) run_first(*d, compute_of(1), "w1 local step");
  const auto theta1 = copy_of(d->worker(1).theta());
  const auto before = d->theta();
  CHECK(same_bits(before, cfg.theta0));
  run_first(
      *d, [](const driver_event& e) { return std::holds_alternative<pr::exchange>(e.env.msg); },
      "exchange with shard 0");
  run_first(
      *d, [](const driver_event& e) { return std::holds_alternative<pr::exchange>(e.env.msg); },
      "exchange with shard 1");
  const auto after = d->theta();
  for (std::size_t j = 0; j < after.size(); ++j) {
    const double want = before[j] + 0.3 * (double(theta1[j]) - before[j]);
    CHECK(std::abs(after[j] - want) <=
          kUlps * std::max({std::abs(want), double(std::abs(theta1[j])), 1e-30}));
  }
  CHECK(d->master(0).version() == 1);
  CHECK(d->master(1).version() == 1);
  // The new centre goes back to worker 1, which waits for it before its next step.
  CHECK_FALSE(d->deliver_first(compute_of(1)).value());
  run_first(*d, params_to(1), "centre from shard 0");
  run_first(*d, params_to(1), "centre from shard 1");
  run_first(*d, compute_of(1), "w1 resumes");
}

TEST_CASE("an elastic worker's step adds the force rho (theta_i - centre) to its gradient",
          "[protocols][elastic]") {
  // Temperature 0 (no noise) and no gradient noise: one step is θ − (ε/2)(∇U(θ) + ρ(θ − θ̃)).
  auto cfg = quadratic_config(pr::protocol_kind::elastic, 1, 1, 8, 100, 0.0);
  cfg.protocol.elastic_period = 2;
  cfg.protocol.elastic_rho = 5.0;
  cfg.protocol.elastic_alpha = 1.0;  // the centre jumps to the worker's θ at an exchange
  cfg.sampler.temperature = 0.0;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int t = 0; t < 2; ++t) run_first(*d, compute_of(0), "local step");
  SGMC_REQUIRE_OK(d->run());  // exchange, new centre = θ_2 (α = 1), continue to the end...
  // ...so re-run by hand: from θ_0 with centre θ_0 for two steps, then centre θ_2.
  std::vector<float> th = cfg.theta0, centre = cfg.theta0;
  const double eps = cfg.sampler.step_size, prec = 1.0 / 2.0, rho = 5.0;
  for (int t = 0; t < 100; ++t) {
    for (std::size_t j = 0; j < th.size(); ++j) {
      const double g = prec * (th[j] - 0.5) + rho * (double(th[j]) - centre[j]);
      th[j] = static_cast<float>(th[j] - 0.5 * eps * g);
    }
    if ((t + 1) % 2 == 0) centre = th;
  }
  const auto got = d->worker(0).theta();
  for (std::size_t j = 0; j < th.size(); ++j) CHECK(got[j] == Approx(th[j]).epsilon(1e-5));
  CHECK(d->finished());
}

TEST_CASE("elastic workers sample their own chains and the centre finishes after them",
          "[protocols][elastic]") {
  auto cfg = quadratic_config(pr::protocol_kind::elastic, 3, 1, 5, 50);
  cfg.protocol.elastic_period = 7;  // the last exchange, at step 50, is off the period
  cfg.run.burnin = 10;
  cfg.run.thin = 10;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  CHECK(d->finished());
  CHECK(d->collector_stopped());
  // 3 chains × draws at local steps 20, 30, 40, 50.
  REQUIRE(d->draws().size() == 12);
  std::vector<int> per_chain(3, 0);
  for (const auto& dr : d->draws()) {
    CHECK(dr.step == 20 + 10 * dr.index);
    ++per_chain.at(dr.chain);
  }
  CHECK(per_chain == std::vector<int>{4, 4, 4});
  // 7 exchanges per worker: steps 7, 14, ..., 49 and the last at 50.
  CHECK(d->master(0).version() == 3 * 8);
  for (const auto& a : d->applied()) CHECK(a.built_on <= a.applied_at);
}

TEST_CASE(
    "elastic's staleness is the number of centre updates since the worker's centre, by "
    "hand",
    "[protocols][elastic]") {
  // One shard, two workers, an exchange after every local step. Each exchange names the centre
  // version the worker last received (0 at the start); the shard records it applied at its
  // version before the update: staleness = that version − the named one.
  auto cfg = quadratic_config(pr::protocol_kind::elastic, 2, 1, 4, 100);
  cfg.protocol.elastic_period = 1;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  auto exchange_from = [](pr::worker_id w) {
    return [w](const driver_event& e) {
      return !e.compute && std::holds_alternative<pr::exchange>(e.env.msg) && e.from.index == w;
    };
  };
  // w0: step, exchange on centre 0 at version 0 (staleness 0) -> version 1.
  run_first(*d, compute_of(0), "w0 step 1");
  run_first(*d, exchange_from(0), "w0 exchange 1");
  // w1: step, exchange on centre 0 at version 1 (staleness 1) -> version 2.
  run_first(*d, compute_of(1), "w1 step 1");
  run_first(*d, exchange_from(1), "w1 exchange 1");
  // w0 takes centre 1, steps, exchanges on it at version 2 (staleness 1) -> version 3.
  run_first(*d, params_to(0), "centre 1 to w0");
  run_first(*d, compute_of(0), "w0 step 2");
  run_first(*d, exchange_from(0), "w0 exchange 2");
  // w0 again: centre 3, exchange at version 3 (staleness 0) -> 4.
  run_first(*d, params_to(0), "centre 3 to w0");
  run_first(*d, compute_of(0), "w0 step 3");
  run_first(*d, exchange_from(0), "w0 exchange 3");
  // w1 takes centre 2 (sent at its exchange), steps, exchanges at version 4: staleness 2.
  run_first(*d, params_to(1), "centre 2 to w1");
  run_first(*d, compute_of(1), "w1 step 2");
  run_first(*d, exchange_from(1), "w1 exchange 2");
  const auto& a = d->applied();
  REQUIRE(a.size() == 5);
  const std::vector<std::pair<pr::worker_id, std::uint64_t>> want{
      {0, 0}, {1, 1}, {0, 1}, {0, 0}, {1, 2}};
  for (std::size_t k = 0; k < want.size(); ++k) {
    INFO("exchange " << k);
    CHECK(a[k].worker == want[k].first);
    CHECK(a[k].staleness() == want[k].second);
  }
  CHECK(d->master(0).version() == 5);
}
