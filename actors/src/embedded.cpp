#include "sgmc/actors/embedded.hpp"
#include "sgmc/actors/trace_publisher.hpp"

#include "sgmc/actors/topology.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/trace.hpp"
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
expected<engine::run_report> run_actors(const engine::run_plan& s, const embedded_options& o,
                                        engine::run_parts& parts, engine::trace_writer* trace) {
  embedded_config cfg(scheduler_threads(o), o.work_stealing);
  caf::actor_system sys{cfg};
  auto log_mutex = std::make_shared<std::mutex>();
  actor_context ctx;
  ctx.trace = trace;
  ctx.staleness = s.staleness;
  ctx.seed = s.run.seed;
  if (o.log)
    ctx.log = [log_mutex, f = o.log](const std::string& line) {
      std::lock_guard<std::mutex> lock(*log_mutex);
      f(line);
    };
  std::promise<expected<engine::run_report>> done;
  auto result = done.get_future();
  supervisor_config sup;
  sup.watchdog = o.watchdog;
  sup.on_progress = o.on_progress;
  sup.log = ctx.log;
  sup.on_result = [&done](expected<engine::run_report> r) { done.set_value(std::move(r)); };
  spawn_topology(sys, parts, ctx, std::move(sup));
  auto outcome = result.get();
  sys.await_all_actors_done();
  return outcome;
}

}  // namespace

expected<engine::run_report> run_embedded(const engine::run_plan& s, const embedded_options& o,
                                          engine::sample_sink& sink) {
  auto rp = engine::make_run_parts(s, sink);
  if (!rp) return unexpected(rp.error());
  if (o.resume != nullptr)
    if (auto ok = engine::resume_parts(*rp, *o.resume); !ok) return unexpected(ok.error());
  rp->checkpoints = o.checkpoints;
  rp->checkpoint_every_s = o.checkpoint_every_s;
  std::unique_ptr<engine::trace_writer> trace;
  if (!o.trace_path.empty()) {
    const auto run_id = o.run_id != engine::trace_run_id{} ? o.run_id : engine::new_trace_run_id();
    auto t = engine::trace_writer::open(o.trace_path, o.node, run_id, o.config_hash);
    if (!t) return unexpected(t.error());
    trace = std::move(*t);
  }
  auto live = trace_publication::start(trace.get(), o.trace_publish, o.node, o.log);
  if (!live) return unexpected(live.error());
  auto outcome = run_actors(s, o, *rp, trace.get());
  *live = trace_publication{};  // detached, the rest sent, the counts logged
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
