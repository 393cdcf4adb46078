// sync: a barrier per version, the average of the W gradients, one kernel step.

#include "helpers.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/samplers/minibatcher.hpp"

#include <cmath>

namespace {

using namespace sgmc::test;
namespace md = sgmc::models;
namespace sm = sgmc::samplers;

// 400 rows, 6 features, y = x·w + noise: a linreg posterior with data (so minibatches matter).
std::shared_ptr<md::linreg> linreg_model() {
  const std::size_t n = 400, d = 6;
  auto data = std::make_shared<md::dataset>();
  data->x.resize(n, d);
  data->y.resize(n);
  std::vector<float> x(n * d), e(n);
  sgmc::core::fill_normal({61, 0, 0, sgmc::core::rng_stream::user}, 0, x);
  sgmc::core::fill_normal({62, 0, 0, sgmc::core::rng_stream::user}, 0, e);
  for (std::size_t i = 0; i < n; ++i) {
    float y = 0.5f * e[i];
    for (std::size_t j = 0; j < d; ++j) {
      data->x(i, j) = x[i * d + j];
      y += (0.3f * float(j) - 0.7f) * x[i * d + j];
    }
    data->y(i) = y;
  }
  data->source = "test: synthetic linreg";
  auto m = md::linreg::create(data, 1.0, 4.0);
  REQUIRE(m.has_value());
  return std::shared_ptr<md::linreg>(std::move(*m));
}

// The rounding of averaging W float gradients (and of summing a W·b-row batch in another
// order) is a few ulps per step; SGLD contracts toward the posterior, so after 60 steps the two
// θ agree to ~1e-6 relative: 2e-5 leaves room, a wrong row or noise key is off by > 1e-2.
constexpr double kSameChainRelTol = 2e-5;

}  // namespace

TEST_CASE("sync with W workers equals one chain with a W-times batch", "[protocols][sync]") {
  const auto model = linreg_model();
  const std::uint32_t W = 4;
  const std::size_t b = 5, steps = 60;
  protocol_driver_config cfg;
  cfg.protocol.kind = pr::protocol_kind::sync;
  cfg.protocol.workers = W;
  cfg.run.steps = steps;
  cfg.run.seed = 9;
  cfg.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  cfg.sampler.step_size = 2e-4;
  cfg.batch_size = b;
  cfg.data_size = model->data_size();
  cfg.theta0.assign(model->dim(), 0.1f);
  cfg.source = [model, b](pr::worker_id) { return std::make_unique<model_source>(*model, b); };
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->finished());
  for (const auto& a : d->applied()) CHECK(a.staleness() == 0);
  CHECK(d->applied().size() == W * steps);

  // One chain: at step v the union of the workers' batches (in worker order), the same noise.
  std::vector<sm::minibatcher> batches;
  for (pr::worker_id i = 0; i < W; ++i)
    batches.emplace_back(
        model->data_size(),
        sm::minibatcher_params{cfg.run.seed, i, b,
                               pr::worker_rows(model->data_size(), W, i, true, cfg.run.seed)});
  model_source big(*model, W * b);
  auto kernel = sm::make_sampler(cfg.sampler, model->dim());
  REQUIRE(kernel.has_value());
  std::vector<float> theta = cfg.theta0, grad(model->dim());
  for (std::uint64_t v = 0; v < steps; ++v) {
    std::vector<std::uint32_t> rows;
    for (auto& mb : batches) {
      const auto part = mb.next();
      rows.insert(rows.end(), part.begin(), part.end());
    }
    big.minibatch(theta, rows, {}, grad);
    const sm::step_info info{v, static_cast<float>(cfg.sampler.step_size),
                             sgmc::core::rng_key{cfg.run.seed, 0, v}, 0};
    REQUIRE((*kernel)->step(theta, grad, info));
  }
  const auto got = d->theta();
  for (std::size_t j = 0; j < theta.size(); ++j) {
    INFO("θ[" << j << "]");
    CHECK(got[j] == Approx(theta[j]).epsilon(kSameChainRelTol));
  }
}

TEST_CASE("sync carries on without a lost worker", "[protocols][sync]") {
  auto d = make_driver(quadratic_config(pr::protocol_kind::sync, 3, 1, 8, 40));
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 9; ++i) run_first(*d, any_event(), "start-up");
  // Workers 0 and 1 push; worker 2 is slow, then lost: the barrier completes at once.
  d->hold(2);
  SGMC_REQUIRE_OK(d->run());
  CHECK(d->master(0).version() == 0);
  SGMC_REQUIRE_OK(d->lose(2));
  CHECK(d->master(0).version() == 1);
  CHECK(d->master(0).live_workers() == 2);
  SGMC_REQUIRE_OK(d->run());
  CHECK(d->finished());
  CHECK(d->master(0).version() == 40);
  CHECK(d->applied().size() == 2 * 40);
  for (const auto& a : d->applied()) CHECK(a.worker != 2);
  // Losing everyone else is an error: the run cannot go on.
  auto e = make_driver(quadratic_config(pr::protocol_kind::sync, 2, 1, 8, 40));
  SGMC_REQUIRE_OK(e->start());
  SGMC_REQUIRE_OK(e->lose(0));
  auto r = e->lose(1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::protocol);
  CHECK(r.error().message ==
        "sync master shard 0: all 2 workers are lost at version 0; the run cannot go on");
}

TEST_CASE("sync emits the draws of versions burnin + thin, burnin + 2 thin, ...",
          "[protocols][sync]") {
  auto cfg = quadratic_config(pr::protocol_kind::sync, 2, 1, 3, 100);
  cfg.run.burnin = 25;
  cfg.run.thin = 15;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->draws().size() == 5);  // ⌊(100 − 25)/15⌋: versions 40, 55, 70, 85, 100
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(d->draws()[i].index == i);
    CHECK(d->draws()[i].step == 40 + 15 * i);
    CHECK(std::isfinite(d->draws()[i].potential));
  }
  CHECK(same_bits(d->draws().back().theta, d->theta()));
  for (pr::worker_id i = 0; i < 2; ++i) CHECK(d->worker(i).finished());
  CHECK(d->worker(0).computed() == 100);
}
