#include "sgmc/tools/simulate.hpp"

#include "sgmc/actors/node.hpp"
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/output_sink.hpp"
#include "sgmc/engine/problem.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/sim/simulator.hpp"
#include "sgmc/tools/config_loader.hpp"
#include "sgmc/tools/runner.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

namespace sgmc::tools {

namespace fs = std::filesystem;

namespace {

using wall_clock = std::chrono::steady_clock;

double seconds_since(wall_clock::time_point t) {
  return std::chrono::duration<double>(wall_clock::now() - t).count();
}

std::uint32_t chains_of(const engine::run_config& cfg) {
  return cfg.protocol.params.kind == protocols::protocol_kind::elastic ? cfg.protocol.params.workers
                                                                       : 1;
}

/// The trace writer of OUT/trace/simulated.trace, or none without [trace] enabled.
expected<std::unique_ptr<engine::trace_writer>> open_trace(const engine::run_config& cfg,
                                                           const fs::path& out,
                                                           simulate_summary& summary) {
  if (!cfg.trace.enabled) return std::unique_ptr<engine::trace_writer>{};
  const fs::path path = out / "trace" / "simulated.trace";
  summary.trace_path = path.string();
  // Virtual timestamps: no clock anchors. The run id comes from the config (which holds both
  // seeds), so that a simulation repeated gives the same bytes.
  const auto text = to_toml(cfg);
  const std::uint64_t hash = actors::config_hash(text);
  const std::uint64_t salt = actors::config_hash(text + "\nsimulated");
  engine::trace_run_id id{};
  std::memcpy(id.data(), &hash, 8);
  std::memcpy(id.data() + 8, &salt, 8);
  return engine::trace_writer::open(path, "simulated", id, hash, false);
}

/// The simulation itself, once the outputs are prepared.
expected<void> simulate_into(const engine::run_config& cfg, const engine::problem& prob,
                             const samplers::schedule& sched, const engine::output_context& octx,
                             engine::manual_clock& vclock, simulate_summary& summary) {
  auto sink = engine::output_sink::create(octx, sched, chains_of(cfg));
  if (!sink) return unexpected(sink.error());
  auto trace = open_trace(cfg, summary.out_dir, summary);
  if (!trace) return unexpected(trace.error());
  const auto plan = engine::make_plan(cfg, *prob.model, sched);
  sim::sim_options opts;
  opts.trace = trace->get();
  opts.clock = &vclock;
  std::uint64_t shown = 0;
  if (cfg.protocol.params.kind != protocols::protocol_kind::elastic)
    opts.on_progress = [&](std::uint64_t v) { octx.progress.advance(v - std::exchange(shown, v)); };
  auto sim = sim::simulator::make(plan, cfg.sim, **sink, std::move(opts));
  if (!sim) return unexpected(sim.error());
  const auto t0 = wall_clock::now();
  auto r = (*sim)->run();
  summary.wall_s = seconds_since(t0);
  summary.chains = (*sink)->chains();
  if (*trace)
    if (auto ok = (*trace)->flush(); !ok && r) return ok;
  if (!r) return unexpected(r.error());
  summary.virtual_s = r->report.wall_seconds;
  summary.events = r->events;
  summary.messages = r->messages;
  summary.draws = r->report.draws;
  summary.protocol = engine::describe(r->report);
  return {};
}

}  // namespace

expected<simulate_summary> simulate(const engine::run_config& cfg,
                                    const simulate_options& options) {
  if (!cfg.protocol.distributed())
    return make_error(errc::invalid_config,
                      fmt::format("{}: protocol.kind = \"none\" has nothing to simulate; set "
                                  "protocol.kind to sync, async, ssp, downpour or elastic",
                                  options.source));
  std::optional<tbb::global_control> threads;
  if (options.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  const auto t0 = wall_clock::now();
  auto prob = engine::load_problem(cfg, options.source);
  if (!prob) return unexpected(prob.error());
  auto sched = engine::check_sampler(cfg, *prob->model, options.source);
  if (!sched) return unexpected(sched.error());
  // Everything the plan can reject is rejected before OUT is touched.
  if (auto ok = engine::validate(engine::make_plan(cfg, *prob->model, *sched)); !ok)
    return engine::prefixed(options.source, ok.error());
  simulate_summary summary;
  run_options ro;
  ro.out_dir = options.out_dir;
  const fs::path out = output_dir(cfg, ro);
  summary.out_dir = out.string();
  if (auto r = engine::prepare_output(out, to_toml(cfg), true); !r) return unexpected(r.error());
  auto metrics = engine::metrics_writer::create((out / "metrics.jsonl").string());
  if (!metrics) return unexpected(metrics.error());
  summary.load_s = seconds_since(t0);
  summary.headline = engine::evaluator::make(*prob->model, prob->data.test)->headline();
  progress prog(cfg.run.steps, 1, options.progress);
  engine::manual_clock vclock;
  const engine::output_context octx{
      cfg.run.eval_every, *prob->model, prob->data.test, *metrics, prog, vclock, out / "samples"};
  auto r = simulate_into(cfg, *prob, *sched, octx, vclock, summary);
  prog.finish();
  if (!r) return unexpected(r.error());
  return summary;
}

}  // namespace sgmc::tools
