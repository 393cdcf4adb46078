#include "sgmc/tools/runner.hpp"

#include "chain_runner.hpp"
#include "collector_sink.hpp"
#include "run_setup.hpp"
#include "sgmc/actors/embedded.hpp"
#include "sgmc/tools/config_loader.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/task_group.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <utility>

#include <unistd.h>

namespace sgmc::tools {

namespace fs = std::filesystem;

namespace detail {

unexpected prefixed(const std::string& source, const error& e) {
  return unexpected(e.code, fmt::format("{}: {}", source, e.message));
}

expected<problem> load_problem(const run_config& cfg, const std::string& source) {
  problem p;
  if (cfg.model.kind != "gaussian") {
    auto data = models::load_data(cfg.data, cfg.seed);
    if (!data) return prefixed(source, data.error());
    p.data = std::move(*data);
  }
  // The model shares the training set; only the test set stays here.
  auto m = cfg.model.kind == "gaussian"
               ? models::make_model(cfg.model, p.data)
               : models::make_model(
                     cfg.model, std::make_shared<const models::dataset>(std::move(p.data.train)));
  if (!m) return prefixed(source, m.error());
  p.model = std::move(*m);
  return p;
}

expected<samplers::schedule> check_sampler(const run_config& cfg, const models::model& m,
                                           const std::string& source) {
  const std::size_t n = m.data_size();
  if (n > 0 && cfg.sampler.batch_size > n)
    return make_error(errc::invalid_config,
                      fmt::format("{}: sampler.batch_size ({}) exceeds the training set size ({})",
                                  source, cfg.sampler.batch_size, n));
  if (auto k = samplers::make_sampler(cfg.sampler, m.dim()); !k) return prefixed(source, k.error());
  auto sched = samplers::schedule::make(cfg.schedule);
  if (!sched) return prefixed(source, sched.error());
  return sched;
}

expected<void> write_text(const fs::path& path, const std::string& text) {
  // Written beside and renamed: nodes of one run on one host may write the same file at once.
  auto tmp = path;
  tmp += fmt::format(".{}.tmp", ::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  std::error_code ec;
  if (out) fs::rename(tmp, path, ec);
  if (!out || ec) {
    fs::remove(tmp, ec);
    return make_error(errc::io, fmt::format("cannot write {}", path.string()));
  }
  return {};
}

expected<void> prepare_output(const fs::path& out, const run_config& cfg, bool remove_traces) {
  std::error_code ec;
  fs::create_directories(out / "samples", ec);
  if (ec)
    return make_error(errc::io, fmt::format("cannot create output folder {}: {}",
                                            (out / "samples").string(), ec.message()));
  static const std::regex chain_file(R"(chain-[0-9]+\.npy)");
  for (const auto& entry : fs::directory_iterator(out / "samples", ec))
    if (std::regex_match(entry.path().filename().string(), chain_file))
      fs::remove(entry.path(), ec);
  if (remove_traces)
    for (const auto& entry : fs::directory_iterator(out / "trace", ec))
      if (entry.path().extension() == ".trace") fs::remove(entry.path(), ec);
  ec.clear();
  return write_text(out / "config.toml", to_toml(cfg));
}

actors::embedded_setup embedded_setup_of(const run_config& cfg, const models::model& model,
                                         const samplers::schedule& sched) {
  actors::embedded_setup setup;
  setup.protocol = cfg.protocol.params;
  setup.run.steps = cfg.run.steps;
  setup.run.burnin = cfg.run.burnin;
  setup.run.thin = cfg.run.thin;
  setup.run.seed = cfg.seed;
  setup.staleness = cfg.staleness;
  setup.model = &model;
  setup.sampler = cfg.sampler;
  setup.sampler.data_size = model.data_size();
  setup.schedule = sched;
  return setup;
}

}  // namespace detail

namespace {

using detail::check_sampler;
using detail::embedded_setup_of;
using detail::load_problem;
using detail::prepare_output;
using detail::problem;
using clock_type = std::chrono::steady_clock;

expected<std::vector<chain_summary>> run_chains(const detail::run_context& ctx,
                                                std::uint32_t chains) {
  std::vector<std::optional<expected<chain_summary>>> results(chains);
  tbb::task_group group;
  for (std::uint32_t k = 0; k < chains; ++k)
    group.run([&ctx, &results, k] {
      detail::chain_runner runner(ctx, k);
      results[k] = runner.run();
      if (!*results[k]) ctx.stop.store(true);
    });
  group.wait();
  std::vector<chain_summary> out;
  for (auto& r : results) {
    if (!*r) return unexpected(r->error());
    out.push_back(std::move(r->value()));
  }
  return out;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// Master shards, workers and the collector as actors of this process (actors/embedded.hpp).
expected<run_summary> run_embedded(const run_config& cfg, const run_options& options,
                                   const problem& prob, const samplers::schedule& sched,
                                   run_summary summary, const metrics_writer& metrics) {
  const bool elastic = cfg.protocol.params.kind == protocols::protocol_kind::elastic;
  const std::uint32_t chains = elastic ? cfg.protocol.params.workers : 1;
  const fs::path out = summary.out_dir;
  progress prog(cfg.run.steps, chains, options.progress);
  const auto t1 = clock_type::now();
  auto sink = detail::collector_sink::create({cfg, *prob.model, prob.data.test, sched, metrics,
                                              prog, (out / "samples").string(), t1, chains});
  if (!sink) return unexpected(sink.error());
  auto setup = embedded_setup_of(cfg, *prob.model, sched);
  if (cfg.trace.enabled) {
    std::error_code ec;
    fs::create_directories(out / "trace", ec);
    setup.options.trace_path = out / "trace" / "embedded.trace";
    summary.trace_path = setup.options.trace_path.string();
  }
  if (options.threads > 0) setup.options.threads = options.threads;
  setup.options.log = [](const std::string& line) {
    std::fprintf(stderr, "sgmc: %s\n", line.c_str());
  };
  std::uint64_t shown = 0;  // versions of shard 0 reported to the progress line
  if (!elastic)
    setup.options.on_progress = [&](std::uint32_t shard, std::uint64_t version) {
      if (shard == 0 && version > shown) prog.advance(version - std::exchange(shown, version));
    };
  auto result = actors::run_embedded(setup, **sink);
  prog.finish();
  if (!result) return unexpected(result.error());
  summary.sample_s = seconds_since(t1);
  summary.chains = (*sink)->chains();
  summary.distributed = actors::describe(*result);
  return summary;
}

}  // namespace

std::string output_dir(const run_config& cfg, const run_options& options) {
  return options.out_dir.empty() ? fmt::format("runs/{}", cfg.name) : options.out_dir;
}

expected<run_summary> run(const run_config& cfg, const run_options& options) {
  std::optional<tbb::global_control> threads;
  if (options.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  const auto t0 = clock_type::now();
  auto prob = load_problem(cfg, options.source);
  if (!prob) return unexpected(prob.error());
  auto sched = check_sampler(cfg, *prob->model, options.source);
  if (!sched) return unexpected(sched.error());
  run_summary summary;
  const fs::path out = output_dir(cfg, options);
  summary.out_dir = out.string();
  summary.config_path = (out / "config.toml").string();
  summary.metrics_path = (out / "metrics.jsonl").string();
  if (auto r = prepare_output(out, cfg, true); !r) return unexpected(r.error());
  auto metrics = metrics_writer::create(summary.metrics_path);
  if (!metrics) return unexpected(metrics.error());
  summary.load_s = seconds_since(t0);
  summary.headline = evaluator::make(*prob->model, prob->data.test)->headline();

  if (cfg.protocol.distributed())
    return run_embedded(cfg, options, *prob, *sched, std::move(summary), *metrics);
  progress prog(cfg.run.steps, cfg.run.chains, options.progress);
  std::atomic<bool> stop{false};
  const auto t1 = clock_type::now();
  const detail::run_context ctx{
      cfg, *prob->model, prob->data.test, *sched, *metrics, prog, (out / "samples").string(),
      t1,  stop};
  auto chains = run_chains(ctx, cfg.run.chains);
  prog.finish();
  if (!chains) return unexpected(chains.error());
  summary.sample_s = seconds_since(t1);
  summary.chains = std::move(*chains);
  return summary;
}

}  // namespace sgmc::tools
