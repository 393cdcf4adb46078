// engine::run_plan: one plan from the config, and the protocol objects built from it.
#include "sgmc/engine/run_plan.hpp"

#include "sgmc/models/factory.hpp"

#include <catch2/catch.hpp>

namespace e = sgmc::engine;
namespace models = sgmc::models;
namespace pr = sgmc::protocols;

namespace {

struct fixture {
  models::data_split data;
  std::unique_ptr<models::model> model;
  fixture() {
    models::model_params mp;
    mp.kind = models::model_kind::gaussian;
    mp.mean.assign(600, 0.5);
    mp.variance.assign(600, 1.0);
    auto m = models::make_model(mp, data);
    REQUIRE(m);
    model = std::move(*m);
  }
};

struct null_sink final : e::sample_sink {
  sgmc::expected<void> on_draw(const pr::draw&) override { return {}; }
  sgmc::expected<void> on_finish(const e::run_report&) override { return {}; }
  void on_error(const sgmc::error&) override {}
};

e::run_config async_config(std::uint32_t workers, std::uint32_t shards) {
  e::run_config cfg;
  cfg.protocol.params.kind = pr::protocol_kind::async;
  cfg.protocol.params.workers = workers;
  cfg.protocol.params.shards = shards;
  cfg.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  cfg.sampler.batch_size = 1;
  cfg.run.steps = 50;
  cfg.run.burnin = 10;
  cfg.run.thin = 5;
  cfg.seed = 17;
  return cfg;
}

}  // namespace

TEST_CASE("make_plan takes the run length, seed and protocol from the config") {
  fixture f;
  const auto cfg = async_config(3, 2);
  const auto plan = e::make_plan(cfg, *f.model, sgmc::samplers::schedule::constant(0.01));
  CHECK(plan.protocol.workers == 3);
  CHECK(plan.protocol.shards == 2);
  CHECK(plan.run.steps == 50);
  CHECK(plan.run.burnin == 10);
  CHECK(plan.run.thin == 5);
  CHECK(plan.run.seed == 17);
  CHECK(plan.model == f.model.get());
  CHECK(plan.sampler.data_size == f.model->data_size());
}

TEST_CASE("make_run_parts builds S shards, W workers with their sources, and the draw shape") {
  fixture f;
  const auto plan =
      e::make_plan(async_config(3, 2), *f.model, sgmc::samplers::schedule::constant(0.01));
  null_sink sink;
  auto parts = e::make_run_parts(plan, sink);
  REQUIRE(parts);
  CHECK(parts->masters.size() == 2);
  CHECK(parts->workers.size() == 3);
  CHECK(parts->sources.size() == 3);
  CHECK(parts->chains == 1);
  CHECK(parts->slices == 2);
  CHECK(parts->dim == 600);
  CHECK(parts->sink == &sink);
}

TEST_CASE("an elastic plan has one chain per worker") {
  fixture f;
  auto cfg = async_config(4, 1);
  cfg.protocol.params.kind = pr::protocol_kind::elastic;
  null_sink sink;
  auto parts = e::make_run_parts(
      e::make_plan(cfg, *f.model, sgmc::samplers::schedule::constant(0.01)), sink);
  REQUIRE(parts);
  CHECK(parts->chains == 4);
}

TEST_CASE("validate refuses a version delay with sync, and sgld-fp with a protocol") {
  fixture f;
  auto cfg = async_config(2, 1);
  cfg.protocol.params.kind = pr::protocol_kind::sync;
  auto plan = e::make_plan(cfg, *f.model, sgmc::samplers::schedule::constant(0.01));
  plan.staleness.delay = *e::parse_delay("fixed:2");
  auto r = e::validate(plan);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("sync") != std::string::npos);
  plan.staleness.delay = {};
  REQUIRE(e::validate(plan));
  plan.sampler.kind = sgmc::samplers::sampler_kind::sgld_fp;
  auto fp = e::validate(plan);
  REQUIRE_FALSE(fp);
  CHECK(fp.error().message.find("sgld-fp") != std::string::npos);
}

TEST_CASE("initial_theta is the model's draw from the init stream unless θ_0 is given") {
  fixture f;
  auto plan = e::make_plan(async_config(1, 1), *f.model, sgmc::samplers::schedule::constant(0.01));
  const auto a = e::initial_theta(plan);
  std::vector<float> expect(600);
  f.model->initial_params({17, 0, 0, sgmc::core::rng_stream::init}, expect);
  CHECK(a == expect);
  plan.theta0.assign(600, 2.0f);
  CHECK(e::initial_theta(plan) == plan.theta0);
}
