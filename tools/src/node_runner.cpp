#include "sgmc/tools/node_runner.hpp"

#include "sgmc/actors/node.hpp"
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/netcdf_writer.hpp"
#include "sgmc/engine/output_sink.hpp"
#include "sgmc/engine/problem.hpp"
#include "sgmc/engine/run_plan.hpp"
#include "sgmc/models/data_digest.hpp"
#include "sgmc/tools/config_loader.hpp"
#include "sgmc/tools/progress.hpp"
#include "sgmc/tools/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>

namespace sgmc::tools {
namespace {

namespace fs = std::filesystem;
using engine::prefixed;

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

expected<void> check_options(node_role role, const engine::run_config& cfg,
                             const node_run_options& o) {
  if (!cfg.protocol.distributed())
    return make_error(errc::invalid_config,
                      fmt::format("{}: protocol.kind = \"none\" runs in one process (sgmc run); "
                                  "nodes need a protocol: sync, async, ssp, downpour or elastic "
                                  "(e.g. --set protocol.kind=async)",
                                  o.source));
  if (o.worker && role == node_role::worker && *o.worker >= cfg.protocol.params.workers)
    return make_error(
        errc::invalid_argument,
        fmt::format("--id {} is out of range: protocol.workers = {} (ids 0..{})", *o.worker,
                    cfg.protocol.params.workers, cfg.protocol.params.workers - 1));
  if (cfg.cluster.min_workers > cfg.protocol.params.workers)
    return make_error(errc::invalid_config,
                      fmt::format("{}: cluster.min_workers = {} is more than protocol.workers = {}",
                                  o.source, cfg.cluster.min_workers, cfg.protocol.params.workers));
  if (!o.resume.empty() && role != node_role::master)
    return make_error(errc::invalid_argument,
                      "--resume is the master's: start the workers and the collector as usual");
  if (!o.resume.empty() && !o.out_dir.empty())
    return make_error(errc::invalid_argument,
                      "--out and --resume both name the output folder: give only --resume RUN_DIR");
  if (!(o.wait_s > 0.0) || !(o.connect_timeout_s > 0.0))
    return make_error(errc::invalid_argument,
                      "--wait and --timeout take a positive number of seconds");
  return {};
}

// Creates OUT, and OUT/trace when the node writes a trace there; the trace folder's path (empty:
// no trace).
expected<fs::path> make_trace_folder(const engine::run_config& cfg, const fs::path& out) {
  const fs::path dir = cfg.trace.enabled ? out / "trace" : out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(
        errc::io, fmt::format("cannot create output folder {}: {}", dir.string(), ec.message()));
  return cfg.trace.enabled ? dir : fs::path{};
}

// The config the nodes compare (its hash): `[cluster]` is per node (TLS files, timeouts, the
// data channel's sizes), except whether the data channel is on, which every node must agree on.
engine::run_config shared_part(engine::run_config cfg) {
  const bool channel = cfg.cluster.data_channel;
  cfg.cluster = engine::cluster_config{};
  cfg.cluster.data_channel = channel;
  return cfg;
}

// Warnings about ports that anyone who reaches them can use.
void warn_open_ports(node_role role, const engine::run_config& cfg, const actors::net_address& a,
                     const node_run_options& o) {
  if (!o.log) return;
  if (role == node_role::master && !cfg.cluster.tls && !actors::is_loopback_host(a.host))
    o.log(
        fmt::format("warning: listening on {} without TLS: anyone who can reach this port can "
                    "join the run, and one message can make this process allocate gigabytes; "
                    "set cluster.tls = true to expose a port (docs/cluster.md#tls)",
                    actors::to_string(a)));
  if (role != node_role::master && !cfg.cluster.tls && !actors::is_loopback_host(a.host))
    o.log(
        fmt::format("warning: connecting to {} without TLS: the run's traffic is neither "
                    "encrypted nor authenticated, and this node's ports are open to anyone who "
                    "reaches them; set cluster.tls = true across hosts (docs/cluster.md#tls)",
                    actors::to_string(a)));
}

// The config text a node checkpoint is written for and checked against: the shared part (the
// collector writes it, the master reads it; their `[cluster]` keys may differ).
std::string checkpoint_config(const engine::run_config& cfg) { return to_toml(shared_part(cfg)); }

struct node_context {
  const engine::run_config& cfg;
  const node_run_options& o;
  const engine::problem& prob;
  const samplers::schedule& sched;
  engine::run_plan plan;
  actors::node_options node;
  fs::path out;
};

expected<std::string> run_master(node_context& c) {
  if (auto r = engine::write_text(c.out / "config.toml", to_toml(c.cfg)); !r)
    return unexpected(r.error());
  const bool elastic = c.cfg.protocol.params.kind == protocols::protocol_kind::elastic;
  // Made at the first progress message, so that its rates leave out the wait for the nodes.
  std::optional<progress> prog;
  std::uint64_t shown = 0;  // versions of shard 0 reported to the progress line
  c.node.on_progress = [&](std::uint32_t shard, std::uint64_t version) {
    if (!prog) {
      prog.emplace(c.cfg.run.steps, 1, progress_options{c.o.live, c.o.quiet || elastic});
      prog->advance(shown);  // a resumed run starts at the checkpoint's version
    }
    if (shard == 0 && version > shown) prog->advance(version - std::exchange(shown, version));
  };
  c.node.on_listening = [&](const actors::net_address& a) {
    if (c.o.log) c.o.log(fmt::format("master listening on {}", actors::to_string(a)));
  };
  c.node.checkpoint_every_s = c.cfg.run.checkpoint_every;
  std::optional<engine::checkpoint> resume;
  if (!c.o.resume.empty()) {
    const auto path = c.out / "checkpoint";
    auto cp = engine::read_checkpoint(path);
    if (!cp) return unexpected(cp.error());
    if (auto ok =
            engine::check_config(*cp, checkpoint_config(c.cfg), c.node.config_hash, path.string());
        !ok)
      return unexpected(ok.error());
    resume = std::move(*cp);
    c.node.resume = &*resume;
    if (c.o.log)
      c.o.log(fmt::format("resuming from {} at version {}", path.string(),
                          resume->shards.at(0).version));
    shown = resume->shards.at(0).version;
  }
  auto r = actors::run_master_node(c.plan, c.node);
  if (prog) prog->finish();
  if (!r) return unexpected(r.error());
  std::string line = "done: " + engine::describe(*r);
  if (!c.node.trace_folder.empty())
    line += fmt::format("; trace {}", (c.node.trace_folder / "master.trace").string());
  return line;
}

expected<std::string> run_collector(node_context& c) {
  const auto& cfg = c.cfg;
  const bool elastic = cfg.protocol.params.kind == protocols::protocol_kind::elastic;
  const std::uint32_t chains = elastic ? cfg.protocol.params.workers : 1;
  // What --out holds already: kept if the master welcomes this collector back into its run.
  auto kept = engine::kept_draws(c.out / "samples", chains);
  if (!kept) return unexpected(kept.error());
  for (const auto& k : *kept) c.node.draws.push_back(k.draws);
  progress prog(cfg.run.steps, chains, {false, true});
  const engine::steady_run_clock time;
  const auto metrics_path = c.out / "metrics.jsonl";
  std::optional<engine::metrics_writer> metrics;
  std::optional<engine::output_context> out;
  std::unique_ptr<engine::output_sink> sink;
  std::optional<engine::checkpoint_writer> checkpoints;
  if (cfg.run.checkpoint_every > 0) {
    checkpoints.emplace(c.out / "checkpoint", checkpoint_config(cfg), c.node.config_hash,
                        c.plan.run, chains, cfg.protocol.params.shards,
                        cfg.protocol.params.kind == protocols::protocol_kind::elastic);
    c.node.checkpoints = &*checkpoints;
  }
  // The outputs are opened at the welcome: a resumed run (the master's --resume) keeps the
  // checkpoint's draws and metrics, a collector welcomed back into a run under way keeps what
  // --out holds, a fresh one starts them afresh.
  auto make_sink = [&](const protocols::welcome& w) -> expected<engine::sample_sink*> {
    std::vector<engine::chain_resume> resumed;
    if (w.rejoin) {
      std::uint64_t step = UINT64_MAX;
      for (const auto& k : *kept) step = std::min(step, k.step);
      // The records after the kept draws come again (metrics are recorded as draws arrive).
      if (auto r = engine::resume_metrics(metrics_path, step); !r) return unexpected(r.error());
      resumed = *kept;
    } else if (w.resumed) {
      std::error_code ec;
      fs::remove(c.out / "posterior.nc", ec);  // written again when the run succeeds
      // elastic: chain K's step is its worker's, that of its last kept draw (the welcome
      // counts draws, and metrics are recorded as draws arrive).
      const bool elastic = cfg.protocol.params.kind == protocols::protocol_kind::elastic;
      std::vector<std::uint64_t> chain_steps;
      for (std::uint32_t k = 0; k < chains; ++k) {
        const auto draws = k < w.resume_draws.size() ? w.resume_draws[k] : 0;
        chain_steps.push_back(
            elastic ? (draws > 0 ? c.plan.run.burnin + draws * c.plan.run.thin : c.plan.run.burnin)
                    : w.resume_version);
        resumed.push_back({chain_steps.back(), draws});
      }
      if (auto r = engine::resume_metrics(metrics_path, w.resume_version,
                                          elastic ? chain_steps : std::vector<std::uint64_t>{});
          !r)
        return unexpected(r.error());
    } else if (auto r = engine::prepare_output(c.out, to_toml(cfg), false); !r) {
      return unexpected(r.error());
    }
    auto m = engine::metrics_writer::create(metrics_path.string(), w.rejoin || w.resumed);
    if (!m) return unexpected(m.error());
    metrics.emplace(std::move(*m));
    out.emplace(engine::output_context{cfg.run.eval_every, *c.prob.model, c.prob.data.test,
                                       *metrics, prog, time, c.out / "samples"});
    auto made = engine::output_sink::create(*out, c.sched, chains, resumed);
    if (!made) return unexpected(made.error());
    sink = std::move(*made);
    return sink.get();
  };
  auto r = actors::run_collector_node(c.plan, c.node, make_sink);
  if (!r) return r;
  if (auto p = engine::write_run_posterior(cfg, *c.prob.model, c.out, chains); !p)
    return unexpected(p.error());
  std::uint64_t draws = 0;
  for (const auto& s : sink->chains()) draws += s.draws;
  return fmt::format("{}; {} draws; outputs {}/ (config.toml, metrics.jsonl, samples/{}{}{})", *r,
                     draws, c.out.string(), elastic ? "chain-K.npy" : "chain-0.npy",
                     cfg.output.posterior_nc ? ", posterior.nc" : "",
                     c.node.trace_folder.empty() ? "" : ", trace/collector.trace");
}

}  // namespace

expected<std::string> run_node(node_role role, const engine::run_config& cfg,
                               const node_run_options& o) {
  if (auto r = check_options(role, cfg, o); !r) return unexpected(r.error());
  const auto option = role == node_role::master ? "--listen" : "--connect";
  auto address = actors::parse_address(o.address, option);
  if (!address) return unexpected(address.error());
  const actors::tls_options tls{cfg.cluster.tls, cfg.cluster.certificate, cfg.cluster.key,
                                cfg.cluster.ca, cfg.cluster.passphrase};
  if (auto r = actors::check_tls(tls); !r) return unexpected(r.error());
  auto prob = engine::load_problem(cfg, o.source);
  if (!prob) return unexpected(prob.error());
  auto sched = engine::check_sampler(cfg, *prob->model, o.source);
  if (!sched) return unexpected(sched.error());
  node_context c{cfg,
                 o,
                 *prob,
                 *sched,
                 engine::make_plan(cfg, *prob->model, *sched),
                 {},
                 fs::path(!o.resume.empty()   ? o.resume
                          : o.out_dir.empty() ? fmt::format("runs/{}", cfg.name)
                                              : o.out_dir)};
  if (auto r = engine::validate(c.plan); !r) return prefixed(o.source, r.error());
  c.node.log = o.log;
  c.node.address = *address;
  c.node.config_hash = actors::config_hash(to_toml(shared_part(cfg)));
  c.node.tls = tls;
  warn_open_ports(role, cfg, *address, o);
  auto digests = models::digest_data_files(cfg.data);
  if (!digests) return prefixed(o.source, digests.error());
  for (auto& d : *digests)
    c.node.data_files.push_back({std::move(d.key), std::move(d.path), std::move(d.sha256)});
  c.node.wait = millis(o.wait_s);
  c.node.connect_timeout = millis(o.connect_timeout_s);
  if (o.worker) c.node.worker = *o.worker;
  c.node.min_workers = static_cast<std::uint32_t>(cfg.cluster.min_workers);
  c.node.threads = o.threads;
  c.node.data_channel = cfg.cluster.data_channel;
  c.node.channel.min_bytes = cfg.cluster.data_channel_min_bytes;
  c.node.channel.take_timeout = millis(cfg.cluster.data_channel_timeout_s);
  c.node.channel.max_payload_floats = prob->model->dim();  // a full θ: the largest payload
  c.node.channel.curve = cfg.cluster.tls;                  // CURVE keys exchanged inside CAF's TLS
  if (c.node.data_channel && c.node.channel.curve)
    if (auto r = actors::data_channel::check_curve(); !r) return unexpected(r.error());
  c.node.channel.max_pending_bytes = cfg.cluster.data_channel_max_pending_mb << 20;
  if (cfg.cluster.connection_timeout_s < 2 * cfg.cluster.heartbeat_s)
    return make_error(
        errc::invalid_config,
        fmt::format("{}: cluster.connection_timeout_s = {} must be at least twice "
                    "cluster.heartbeat_s = {} (a heartbeat late by one interval "
                    "must not close a connection)",
                    o.source, cfg.cluster.connection_timeout_s, cfg.cluster.heartbeat_s));
  c.node.heartbeat = millis(cfg.cluster.heartbeat_s);
  c.node.collector_wait = millis(cfg.cluster.collector_wait_s);
  c.node.collector_buffer = cfg.cluster.collector_buffer;
  c.node.connection_timeout = millis(cfg.cluster.connection_timeout_s);
  auto dir = make_trace_folder(cfg, c.out);
  if (!dir) return unexpected(dir.error());
  c.node.trace_folder = *dir;
  if (!dir->empty()) c.node.trace_publish = cfg.trace.publish;
  switch (role) {
    case node_role::master:
      return run_master(c);
    case node_role::collector:
      return run_collector(c);
    case node_role::worker:
      return actors::run_worker_node(c.plan, c.node);
  }
  return make_error(errc::invalid_argument, "unknown node role");
}

}  // namespace sgmc::tools
