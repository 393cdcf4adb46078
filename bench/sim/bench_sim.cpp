// The simulator on the 2-d Gaussian of examples/gaussian-2d.toml (async, SGLD at ε = 1e-5, the
// default [sim]: 1 ms computes, 50 µs latency, 10 Gbit/s, 1 µs per message, 2 µs per master event):
//   sim/event_rate/async_gaussian2d/<W>   one simulated run of kVersions master versions with
//                                          W workers (building the workers is not timed)
// Counters: messages/s (simulated protocol messages per wall second, the event rate),
// events/s (every event of the queue: arrivals, computes, services), bytes_per_worker (heap
// bytes of the built simulator per worker: θ, gradient, minibatcher, protocol state; from
// mallinfo2), and the run's mean staleness. One thread: the simulator is single-threaded and
// the 2-d kernels do not split.
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/sim/simulator.hpp"

#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include <malloc.h>

#include <memory>

namespace {

namespace e = sgmc::engine;

constexpr std::uint64_t kVersions = 200'000;

struct null_sink final : e::sample_sink {
  sgmc::expected<void> on_draw(const sgmc::protocols::draw&) override { return {}; }
  sgmc::expected<void> on_finish(const e::run_report&) override { return {}; }
  void on_error(const sgmc::error&) override {}
};

std::unique_ptr<sgmc::models::model> gaussian_2d() {
  sgmc::models::model_params mp;
  mp.kind = sgmc::models::model_kind::gaussian;
  mp.mean = {1.0, -1.0};
  mp.covariance = {{1.0, 0.8}, {0.8, 1.0}};
  sgmc::models::data_split none;
  auto m = sgmc::models::make_model(mp, none);
  return std::move(*m);
}

e::run_config config(std::uint32_t workers) {
  e::run_config cfg;
  cfg.protocol.params.kind = sgmc::protocols::protocol_kind::async;
  cfg.protocol.params.workers = workers;
  cfg.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  cfg.sampler.step_size = 1e-5;  // stable at a staleness of 4,096 and more
  cfg.sampler.batch_size = 1;
  cfg.run.steps = kVersions;
  cfg.run.burnin = 2000;
  cfg.run.thin = 20;
  return cfg;
}

std::size_t heap_bytes() { return mallinfo2().uordblks; }

void event_rate(benchmark::State& state) {
  tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  const auto workers = static_cast<std::uint32_t>(state.range(0));
  auto model = gaussian_2d();
  const auto cfg = config(workers);
  const auto plan = e::make_plan(cfg, *model, sgmc::samplers::schedule::constant(1e-5));
  std::uint64_t messages = 0, events = 0;
  double bytes_per_worker = 0, staleness = 0;
  for (auto _ : state) {
    state.PauseTiming();
    null_sink sink;
    const std::size_t before = heap_bytes();
    auto sim = sgmc::sim::simulator::make(plan, cfg.sim, sink);
    if (!sim) {
      state.SkipWithError(sim.error().message.c_str());
      return;
    }
    bytes_per_worker = static_cast<double>(heap_bytes() - before) / workers;
    state.ResumeTiming();
    auto r = (*sim)->run();
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    messages += r->messages;
    events += r->events;
    staleness = r->report.staleness.mean();
    state.PauseTiming();
    sim->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["bytes_per_worker"] = bytes_per_worker;
  state.counters["staleness_mean"] = staleness;
}

}  // namespace

BENCHMARK(event_rate)
    ->Name("sim/event_rate/async_gaussian2d")
    ->Arg(4)
    ->Arg(64)
    ->Arg(1024)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
