// downpour: local kernel steps on the worker's copy; a push carries the sum of the local
// updates since the last one; the master adds it and counts a version; pulls replace the copy.

#include "helpers.hpp"

#include <cmath>

namespace {

using namespace sgmc::test;

std::vector<float> copy_of(std::span<const float> x) { return {x.begin(), x.end()}; }

}  // namespace

TEST_CASE("a downpour push is the sum of its local updates, and the master adds it",
          "[protocols][downpour]") {
  auto cfg = quadratic_config(pr::protocol_kind::downpour, 1, 2, 600, 100);
  cfg.protocol.push_every = 3;
  cfg.protocol.pull_every = 1000;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  std::vector<std::vector<float>> thetas{cfg.theta0};
  for (int t = 0; t < 3; ++t) {
    run_first(*d, compute_of(0), "a local step");
    thetas.push_back(copy_of(d->worker(0).theta()));
  }
  // Σ_t (θ_{t+1} − θ_t), accumulated per element in float in step order: the same bits.
  std::vector<float> sum(600, 0.0f);
  for (int t = 0; t < 3; ++t)
    for (std::size_t j = 0; j < sum.size(); ++j) sum[j] += thetas[t + 1][j] - thetas[t][j];
  std::vector<float> pushed;
  for (const auto& e : d->pending()) {
    if (const auto* p = std::get_if<pr::push>(&e.env.msg)) {
      CHECK(p->kind == pr::push_kind::update);
      CHECK(p->version == 0);
      CHECK(p->seq == 0);
      pushed.insert(pushed.end(), p->data.values.begin(), p->data.values.end());
    }
  }
  REQUIRE(same_bits(pushed, sum));
  // And it is θ_3 − θ_0 up to the rounding of three float additions (a few ulps of |θ|).
  for (std::size_t j = 0; j < sum.size(); ++j)
    CHECK(std::abs(sum[j] - (thetas[3][j] - thetas[0][j])) <=
          4e-7f * (std::abs(thetas[3][j]) + std::abs(thetas[0][j])) + 1e-12f);
  // Both shards add their slice: θ_master = θ_0 + Δ, bit for bit; one version each.
  run_first(*d, push_from(0), "push to shard 0");
  run_first(*d, push_from(0), "push to shard 1");
  std::vector<float> want(600);
  for (std::size_t j = 0; j < want.size(); ++j) want[j] = cfg.theta0[j] + sum[j];
  CHECK(same_bits(d->theta(), want));
  CHECK(d->master(0).version() == 1);
  CHECK(d->master(1).version() == 1);
  REQUIRE(d->applied().size() == 2);
  CHECK(d->applied()[0].staleness() == 0);
}

TEST_CASE("a downpour pull replaces the worker's copy and names the version of its next push",
          "[protocols][downpour]") {
  auto cfg = quadratic_config(pr::protocol_kind::downpour, 2, 1, 16, 100);
  cfg.protocol.push_every = 2;
  cfg.protocol.pull_every = 4;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  // Worker 1 takes 4 local steps: two pushes (applied), then a pull.
  for (int t = 0; t < 4; ++t) run_first(*d, compute_of(1), "w1 local step");
  run_first(*d, push_from(1), "first push");
  run_first(*d, push_from(1), "second push");
  CHECK(d->master(0).version() == 2);
  run_first(
      *d, [](const driver_event& e) { return std::holds_alternative<pr::pull>(e.env.msg); },
      "the pull");
  run_first(*d, params_to(1), "the answer");
  CHECK(same_bits(d->worker(1).theta(), d->master(0).theta()));
  for (int t = 0; t < 2; ++t) run_first(*d, compute_of(1), "w1 local step");
  const pr::push* p = nullptr;
  for (const auto& e : d->pending())
    if (push_from(1)(e)) p = &std::get<pr::push>(e.env.msg);
  REQUIRE(p != nullptr);
  CHECK(p->version == 2);
  CHECK(p->seq == 2);
  // Worker 0, still on θ_0, pushes after two steps: built on version 0, applied at 2.
  for (int t = 0; t < 2; ++t) run_first(*d, compute_of(0), "w0 local step");
  run_first(*d, push_from(0), "w0's push");
  CHECK(d->applied().back().worker == 0);
  CHECK(d->applied().back().staleness() == 2);
}

TEST_CASE("downpour runs to the end with its draws, workers on distinct noise",
          "[protocols][downpour]") {
  auto cfg = quadratic_config(pr::protocol_kind::downpour, 3, 1, 4, 90);
  cfg.run.burnin = 30;
  cfg.run.thin = 20;
  cfg.protocol.push_every = 2;
  cfg.protocol.pull_every = 3;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  CHECK(d->finished());
  CHECK(d->master(0).version() == 90);
  REQUIRE(d->draws().size() == 3);  // versions 50, 70, 90
  CHECK(d->draws()[0].step == 50);
  CHECK(d->draws()[2].step == 90);
  CHECK(d->worker(0).theta()[0] != d->worker(1).theta()[0]);
  for (pr::worker_id i = 0; i < 3; ++i) CHECK(d->worker(i).finished());
}

TEST_CASE(
    "a downpour local step is SGLD's update with the worker's own noise key, computed "
    "independently",
    "[protocols][downpour]") {
  // No gradient noise: ∇U(θ) = (θ − 0.5) / 2 exactly (quadratic_source N(0.5, 2 I)). The local
  // step of worker i at local step t is (Welling & Teh 2011, eq. 4)
  //   θ ← θ − (ε/2) ∇U(θ) + √(ε T) ξ,  ξ = N(0, I) from {seed, local_chain(i) = 1 + i, t, noise},
  // here recomputed in double from its parts: a doubled ε, a missing √T or another worker's
  // noise key all fail.
  auto cfg = quadratic_config(pr::protocol_kind::downpour, 2, 1, 64, 100, 0.0);
  cfg.protocol.push_every = 1000;
  cfg.protocol.pull_every = 1000;
  cfg.sampler.temperature = 0.7;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (const pr::worker_id w : {pr::worker_id{1}, pr::worker_id{0}}) {
    std::vector<double> th(cfg.theta0.begin(), cfg.theta0.end());
    for (std::uint64_t t = 0; t < 3; ++t) {
      run_first(*d, compute_of(w), "a local step");
      std::vector<float> xi(th.size());
      sgmc::core::fill_normal({cfg.run.seed, pr::local_chain(w), t, sgmc::core::rng_stream::noise},
                              0, xi);
      const double eps = cfg.sampler.step_size;
      for (std::size_t j = 0; j < th.size(); ++j)
        th[j] = th[j] - 0.5 * eps * (th[j] - 0.5) / 2.0 + std::sqrt(eps * 0.7) * xi[j];
      const auto got = d->worker(w).theta();
      for (std::size_t j = 0; j < th.size(); ++j) {
        INFO("worker " << w << " step " << t << " element " << j);
        CHECK(got[j] == Approx(th[j]).epsilon(1e-5).margin(1e-6));
      }
    }
  }
}
