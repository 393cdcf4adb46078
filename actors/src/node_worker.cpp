// A worker node: its worker actor, started once the master welcomes it.
#include "node_join.hpp"
#include "node_net.hpp"
#include "sgmc/actors/actors.hpp"

#include <fmt/format.h>

namespace sgmc::actors {

expected<std::string> run_worker_node(const engine::run_plan& s, const node_options& o) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const auto theta0 = engine::initial_theta(s);
  const log_fn log = detail::serialized(o.log);
  detail::node_config cfg(detail::threads_of(o), o);
  caf::actor_system sys{cfg};
  detail::joining_node st;
  auto start = [&](const protocols::welcome& w,
                   const caf::actor& agent) -> expected<detail::role_started> {
    if (auto r = detail::check_welcome(s, w); !r) return unexpected(r.error());
    auto part = engine::make_worker_part(s, theta0, w.worker);
    if (!part) return unexpected(part.error());
    // A rejoin continues the gradient count (its minibatch and noise streams) where the lost
    // actor was; sync, async, ssp and downpour pull θ first. A resumed run's first welcome
    // carries the checkpoint's count and θ (elastic: the worker's whole chain).
    const bool rejoin = st.starts > 0;
    const auto computed = st.computed->load(std::memory_order_relaxed);
    if (rejoin && computed > 0) {
      if (auto r = part->worker->resume(computed, theta0); !r) return unexpected(r.error());
    } else if (w.resumed && s.protocol.kind == protocols::protocol_kind::elastic) {
      if (auto r = part->worker->restore_chain(w.resume_chain); !r) return unexpected(r.error());
    } else if (w.resumed) {
      if (auto r = part->worker->resume(w.resume_computed, w.resume_theta); !r)
        return unexpected(r.error());
    }
    const auto name = fmt::format("worker-{}", w.worker);
    st.name = fmt::format("worker {}", w.worker);
    if (auto r = detail::open_trace(o, name, w, st); !r) return unexpected(r.error());
    st.source = std::move(part->source);
    actor_context ctx{agent,      st.trace.get(),   log,   s.staleness,
                      s.run.seed, st.channel.get(), st.ids};
    st.role = spawn_worker(sys, ctx, {std::move(part->worker), w.worker, o.rejoin, st.computed},
                           s.protocol.shards + w.worker);
    if (log && rejoin)
      log(fmt::format("worker {}: rejoined the run (from gradient {})", w.worker, computed));
    else if (log)
      log(fmt::format("worker {}: welcomed ({} workers, {} shard{}, dim {}){}", w.worker, w.workers,
                      w.shards, w.shards == 1 ? "" : "s", w.dim,
                      w.resumed ? fmt::format("; resuming at version {}", w.resume_version) : ""));
    return detail::role_started{st.role, st.trace.get(), {engine::trace_role::worker, w.worker}};
  };
  node_options opts = o;
  opts.log = log;
  return detail::run_joining_node(sys, s, opts, engine::node_role::worker, start, st);
}

}  // namespace sgmc::actors
