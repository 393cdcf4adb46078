#include "sgmc/tools/runner.hpp"

#include "sgmc/actors/embedded.hpp"
#include "sgmc/actors/node.hpp"
#include "sgmc/engine/chain_runner.hpp"
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/netcdf_writer.hpp"
#include "sgmc/engine/output_sink.hpp"
#include "sgmc/engine/problem.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/tools/config_loader.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <filesystem>
#include <optional>
#include <utility>

namespace sgmc::tools {

namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// Master shards, workers and the collector as actors of this process (actors/embedded.hpp).
expected<run_summary> run_with_protocol(const engine::run_config& cfg, const run_options& options,
                                        const engine::problem& prob,
                                        const samplers::schedule& sched, run_summary summary,
                                        const engine::output_context& out,
                                        const engine::checkpoint* resume) {
  const bool elastic = cfg.protocol.params.kind == protocols::protocol_kind::elastic;
  const std::uint32_t chains = elastic ? cfg.protocol.params.workers : 1;
  const fs::path dir = summary.out_dir;
  const auto t1 = clock_type::now();
  std::vector<engine::chain_resume> resumed;
  std::uint64_t shown = 0;  // versions of shard 0 reported to the progress line
  if (resume != nullptr) {
    shown = resume->shards.at(0).version;
    for (std::uint32_t k = 0; k < chains; ++k)  // elastic: chain k's step is worker k's
      resumed.push_back({k < resume->chains.size() ? resume->chains[k].local_steps : shown,
                         k < resume->draws.size() ? resume->draws[k] : 0});
    out.progress.advance(shown);
  }
  auto sink = engine::output_sink::create(out, sched, chains, resumed);
  if (!sink) return unexpected(sink.error());
  const auto plan = engine::make_plan(cfg, *prob.model, sched);
  actors::embedded_options opts;
  opts.resume = resume;
  std::optional<engine::checkpoint_writer> checkpoints;
  if (cfg.run.checkpoint_every > 0) {
    const auto text = to_toml(cfg);
    checkpoints.emplace(dir / "checkpoint", text, actors::config_hash(text), plan.run, chains,
                        cfg.protocol.params.shards, elastic);
    opts.checkpoints = &*checkpoints;
    opts.checkpoint_every_s = cfg.run.checkpoint_every;
  }
  if (cfg.trace.enabled) {
    std::error_code ec;
    fs::create_directories(dir / "trace", ec);
    opts.trace_path = dir / "trace" / "embedded.trace";
    opts.config_hash = actors::config_hash(to_toml(cfg));
    opts.trace_publish = cfg.trace.publish;
    summary.trace_path = opts.trace_path.string();
  }
  if (options.threads > 0) opts.threads = options.threads;
  opts.log = [](const std::string& line) { std::fprintf(stderr, "sgmc: %s\n", line.c_str()); };
  if (!elastic)
    opts.on_progress = [&](std::uint32_t shard, std::uint64_t version) {
      if (shard == 0 && version > shown)
        out.progress.advance(version - std::exchange(shown, version));
    };
  auto result = actors::run_embedded(plan, opts, **sink);
  if (!result) return unexpected(result.error());
  summary.sample_s = seconds_since(t1);
  summary.chains = (*sink)->chains();
  summary.distributed = engine::describe(*result);
  if (auto r = engine::write_run_posterior(cfg, *prob.model, dir, chains); !r)
    return unexpected(r.error());
  if (cfg.output.posterior_nc) summary.posterior_path = (dir / "posterior.nc").string();
  return summary;
}

}  // namespace

std::string output_dir(const engine::run_config& cfg, const run_options& options) {
  return options.out_dir.empty() ? fmt::format("runs/{}", cfg.name) : options.out_dir;
}

namespace {

/// The checkpoint in `dir`, checked against `cfg`.
expected<engine::checkpoint> load_checkpoint(const engine::run_config& cfg, const fs::path& dir) {
  if (!cfg.protocol.distributed())
    return make_error(errc::invalid_argument,
                      "--resume needs a protocol run (protocol.kind other than \"none\")");
  const auto path = dir / "checkpoint";
  auto c = engine::read_checkpoint(path);
  if (!c) return c;
  const auto text = to_toml(cfg);
  if (auto ok = engine::check_config(*c, text, actors::config_hash(text), path.string()); !ok)
    return unexpected(ok.error());
  return c;
}

}  // namespace

expected<run_summary> run(const engine::run_config& cfg, const run_options& options) {
  std::optional<tbb::global_control> threads;
  if (options.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  const auto t0 = clock_type::now();
  auto prob = engine::load_problem(cfg, options.source);
  if (!prob) return unexpected(prob.error());
  auto sched = engine::check_sampler(cfg, *prob->model, options.source);
  if (!sched) return unexpected(sched.error());
  run_summary summary;
  const bool resuming = !options.resume.empty();
  const fs::path out = resuming ? fs::path(options.resume) : fs::path(output_dir(cfg, options));
  summary.out_dir = out.string();
  summary.config_path = (out / "config.toml").string();
  summary.metrics_path = (out / "metrics.jsonl").string();
  std::optional<engine::checkpoint> resume;
  if (resuming) {
    auto c = load_checkpoint(cfg, out);
    if (!c) return unexpected(c.error());
    resume = std::move(*c);
    std::error_code ec;
    fs::remove(out / "posterior.nc", ec);    // written again when the run succeeds
    std::vector<std::uint64_t> chain_steps;  // elastic: each chain's own step
    for (const auto& w : resume->chains) chain_steps.push_back(w.local_steps);
    if (auto r =
            engine::resume_metrics(summary.metrics_path, resume->shards.at(0).version, chain_steps);
        !r)
      return unexpected(r.error());
  } else if (auto r = engine::prepare_output(out, to_toml(cfg), true); !r) {
    return unexpected(r.error());
  }
  auto metrics = engine::metrics_writer::create(summary.metrics_path, resuming);
  if (!metrics) return unexpected(metrics.error());
  summary.load_s = seconds_since(t0);
  summary.headline = engine::evaluator::make(*prob->model, prob->data.test)->headline();

  const std::uint32_t chains = cfg.protocol.distributed()
                                   ? (cfg.protocol.params.kind == protocols::protocol_kind::elastic
                                          ? cfg.protocol.params.workers
                                          : 1)
                                   : cfg.run.chains;
  progress prog(cfg.run.steps, chains, options.progress);
  const engine::steady_run_clock time;
  const engine::output_context octx{
      cfg.run.eval_every, *prob->model, prob->data.test, *metrics, prog, time, out / "samples"};
  if (cfg.protocol.distributed()) {
    auto r = run_with_protocol(cfg, options, *prob, *sched, std::move(summary), octx,
                               resume ? &*resume : nullptr);
    prog.finish();
    return r;
  }
  std::atomic<bool> stop{false};
  const auto t1 = clock_type::now();
  const engine::chain_context ctx{cfg, *prob->model, *sched, octx, stop};
  auto result = engine::run_chains(ctx, cfg.run.chains);
  prog.finish();
  if (!result) return unexpected(result.error());
  summary.sample_s = seconds_since(t1);
  summary.chains = std::move(*result);
  if (auto r = engine::write_run_posterior(cfg, *prob->model, out, cfg.run.chains); !r)
    return unexpected(r.error());
  if (cfg.output.posterior_nc) summary.posterior_path = (out / "posterior.nc").string();
  return summary;
}

}  // namespace sgmc::tools
