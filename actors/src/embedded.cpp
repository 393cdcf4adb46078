#include "sgmc/actors/embedded.hpp"

#include "sgmc/actors/model_gradient.hpp"
#include "sgmc/actors/topology.hpp"
#include "sgmc/actors/trace.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace sgmc::actors {
namespace {

using protocols::protocol_kind;

bool local_kernel(protocol_kind k) {
  return k == protocol_kind::downpour || k == protocol_kind::elastic;
}

expected<std::unique_ptr<samplers::sampler>> kernel(const embedded_setup& s, std::size_t n) {
  return samplers::make_sampler(s.sampler, n);
}

class embedded_config : public caf::actor_system_config {
 public:
  embedded_config(unsigned threads, bool stealing) {
    register_messages(*this);
    register_runtime_messages(*this);
    set("scheduler.policy", stealing ? caf::atom("stealing") : caf::atom("sharing"));
    set("scheduler.max-threads", static_cast<std::size_t>(threads));
    set("logger.verbosity", caf::atom("quiet"));
  }
};

unsigned scheduler_threads(const embedded_options& o) {
  if (o.threads > 0) return o.threads;
  return std::max(2u, std::thread::hardware_concurrency());
}

// Runs the topology on a fresh actor system and waits for its end (the supervisor's watchdog
// bounds the wait), then for every actor to terminate.
expected<run_summary> run_actors(const embedded_setup& s, topology_parts parts,
                                 trace_writer* trace) {
  embedded_config cfg(scheduler_threads(s.options), s.options.work_stealing);
  caf::actor_system sys{cfg};
  auto log_mutex = std::make_shared<std::mutex>();
  actor_context ctx;
  ctx.trace = trace;
  ctx.staleness = s.staleness;
  ctx.seed = s.run.seed;
  if (s.options.log)
    ctx.log = [log_mutex, f = s.options.log](const std::string& line) {
      std::lock_guard<std::mutex> lock(*log_mutex);
      f(line);
    };
  std::promise<expected<run_summary>> done;
  auto result = done.get_future();
  supervisor_config sup;
  sup.watchdog = s.options.watchdog;
  sup.on_progress = s.options.on_progress;
  sup.log = ctx.log;
  sup.on_result = [&done](expected<run_summary> r) { done.set_value(std::move(r)); };
  spawn_topology(sys, std::move(parts), ctx, std::move(sup));
  auto outcome = result.get();
  sys.await_all_actors_done();
  return outcome;
}

}  // namespace

expected<void> validate(const embedded_setup& s) {
  if (s.model == nullptr) return make_error(errc::invalid_argument, "run_embedded: no model");
  if (auto r = protocols::validate(s.protocol, s.model->dim()); !r) return r;
  if (auto r = protocols::validate(s.run); !r) return r;
  if (auto r = validate(s.staleness, s.protocol.workers); !r) return r;
  if (auto r = samplers::validate(s.sampler); !r) return r;
  if (s.sampler.kind == "sgld-fp")
    return make_error(errc::invalid_config,
                      "sampler.kind = sgld-fp is not supported with a [protocol] (its control "
                      "variate needs the full data set on every worker); use sgld");
  if (!s.theta0.empty() && s.theta0.size() != s.model->dim())
    return make_error(
        errc::dimension_mismatch,
        fmt::format("θ_0 has {} values but the model has dim {}", s.theta0.size(), s.model->dim()));
  const bool versions = s.staleness.delay.dist != delay_spec::distribution::none &&
                        s.staleness.delay.in == delay_spec::unit::versions;
  if (versions && s.protocol.kind == protocol_kind::sync)
    return make_error(errc::invalid_config,
                      fmt::format("staleness.delay = \"{}\": a delay in versions needs a protocol "
                                  "whose workers may lag (async, ssp, downpour, elastic), not sync",
                                  to_string(s.staleness.delay)));
  return {};
}

std::vector<float> initial_theta(const embedded_setup& s) {
  std::vector<float> theta0 = s.theta0;
  if (theta0.empty()) {
    theta0.resize(s.model->dim());
    s.model->initial_params({s.run.seed, 0, 0, core::rng_stream::init}, theta0);
  }
  return theta0;
}

expected<std::vector<std::unique_ptr<protocols::master>>> make_master_shards(
    const embedded_setup& s, std::span<const float> theta0) {
  std::vector<std::unique_ptr<protocols::master>> out;
  const auto dim = s.model->dim();
  for (std::uint32_t k = 0; k < s.protocol.shards; ++k) {
    protocols::master_setup ms;
    ms.protocol = s.protocol;
    ms.run = s.run;
    ms.shard = k;
    ms.dim = dim;
    ms.theta0 = theta0;
    ms.schedule = s.schedule;
    if (!local_kernel(s.protocol.kind)) {
      auto kern = kernel(s, protocols::shard_slice(dim, s.protocol.shards, k).size);
      if (!kern) return unexpected(kern.error());
      ms.kernel = std::move(*kern);
    }
    auto m = protocols::make_master(std::move(ms));
    if (!m) return unexpected(m.error());
    out.push_back(std::move(*m));
  }
  return out;
}

expected<worker_part> make_worker_part(const embedded_setup& s, std::span<const float> theta0,
                                       protocols::worker_id i) {
  const auto& m = *s.model;
  worker_part part;
  part.source = std::make_unique<model_gradient>(m, s.sampler.batch_size);
  protocols::worker_setup ws;
  ws.protocol = s.protocol;
  ws.run = s.run;
  ws.id = i;
  ws.dim = m.dim();
  ws.source = part.source.get();
  if (m.data_size() > 0)
    ws.rows = protocols::worker_rows(m.data_size(), s.protocol.workers, i, s.protocol.shard_data,
                                     s.run.seed);
  ws.batch_size = s.sampler.batch_size;
  ws.theta0 = theta0;
  ws.schedule = s.schedule;
  if (local_kernel(s.protocol.kind)) {
    auto kern = kernel(s, m.dim());
    if (!kern) return unexpected(kern.error());
    ws.kernel = std::move(*kern);
  }
  auto w = protocols::make_worker(std::move(ws));
  if (!w) return unexpected(w.error());
  part.worker = std::move(*w);
  return part;
}

expected<run_parts> make_run_parts(const embedded_setup& s, sample_sink& sink) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const std::vector<float> theta0 = initial_theta(s);
  run_parts rp;
  auto masters = make_master_shards(s, theta0);
  if (!masters) return unexpected(masters.error());
  auto& parts = rp.parts;
  parts.masters = std::move(*masters);
  for (std::uint32_t i = 0; i < s.protocol.workers; ++i) {
    auto w = make_worker_part(s, theta0, i);
    if (!w) return unexpected(w.error());
    parts.workers.push_back(std::move(w->worker));
    rp.sources.push_back(std::move(w->source));
  }
  const auto coll = protocols::collector::for_protocol(s.protocol, s.model->dim());
  parts.chains = coll.chains();
  parts.slices = coll.shards();
  parts.dim = s.model->dim();
  parts.sink = &sink;
  parts.progress_every = std::max<std::uint64_t>(1, s.run.steps / 100);
  return rp;
}

expected<run_summary> run_embedded(const embedded_setup& s, sample_sink& sink) {
  auto rp = make_run_parts(s, sink);
  if (!rp) return unexpected(rp.error());
  std::unique_ptr<trace_writer> trace;
  if (!s.options.trace_path.empty()) {
    auto t = trace_writer::open(s.options.trace_path, s.options.node);
    if (!t) return unexpected(t.error());
    trace = std::move(*t);
  }
  auto outcome = run_actors(s, std::move(rp->parts), trace.get());
  if (outcome && trace)
    if (auto r = trace->flush(); !r) outcome = unexpected(r.error());
  if (!outcome) {
    sink.on_error(outcome.error());
    return outcome;
  }
  if (auto r = sink.on_finish(*outcome); !r) return unexpected(r.error());
  return outcome;
}

}  // namespace sgmc::actors
