#pragma once
// What the simulator tests share: a Gaussian target, a config for a protocol run, a sink that
// keeps the draws, and one simulated run of a config.
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/sim/simulator.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

namespace sgmc::test {

struct keep_sink final : engine::sample_sink {
  std::vector<protocols::draw> draws;
  expected<void> on_draw(const protocols::draw& d) override {
    draws.push_back(d);
    return {};
  }
  expected<void> on_finish(const engine::run_report&) override { return {}; }
  void on_error(const error&) override {}
};

/// A `dim`-dimensional Gaussian N(0.5, I).
inline std::unique_ptr<models::model> gaussian(std::size_t dim) {
  models::model_params mp;
  mp.kind = models::model_kind::gaussian;
  mp.mean.assign(dim, 0.5);
  mp.variance.assign(dim, 1.0);
  mp.grad_noise = 0.1;
  models::data_split none;
  auto m = models::make_model(mp, none);
  REQUIRE(m);
  return std::move(*m);
}

/// An async run of `steps` versions with `workers` workers; the [sim] of an exactly timed
/// cluster: constant 1 ms computes, no latency, no transmission time, instant masters.
inline engine::run_config sim_config(std::uint32_t workers, std::uint64_t steps) {
  engine::run_config cfg;
  cfg.seed = 11;
  cfg.protocol.params.kind = protocols::protocol_kind::async;
  cfg.protocol.params.workers = workers;
  cfg.sampler.kind = samplers::sampler_kind::sgld;
  cfg.sampler.step_size = 0.01;
  cfg.sampler.batch_size = 1;
  cfg.run.steps = steps;
  cfg.run.burnin = 0;
  cfg.run.thin = 1;
  cfg.sim.compute = {engine::duration_spec::distribution::fixed, 1e6};
  cfg.sim.latency = {engine::duration_spec::distribution::fixed, 0.0};
  cfg.sim.bandwidth_gbps = 0;
  cfg.sim.message_overhead_us = 0;
  cfg.sim.master_service = {engine::duration_spec::distribution::fixed, 0.0};
  return cfg;
}

struct sim_run {
  sim::sim_result result;
  std::vector<protocols::draw> draws;
};

/// Simulates `cfg` on `m` to the end (REQUIREs success), keeping every staleness record.
inline sim_run simulate(const engine::run_config& cfg, const models::model& m,
                        engine::trace_writer* trace = nullptr) {
  const auto plan = engine::make_plan(cfg, m, samplers::schedule::constant(cfg.sampler.step_size));
  keep_sink sink;
  sim::sim_options opt;
  opt.keep_applied = true;
  opt.trace = trace;
  auto s = sim::simulator::make(plan, cfg.sim, sink, opt);
  REQUIRE(s);
  auto r = (*s)->run();
  if (!r) FAIL(r.error().message);
  return {std::move(*r), std::move(sink.draws)};
}

}  // namespace sgmc::test
