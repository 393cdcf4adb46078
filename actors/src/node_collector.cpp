// The collector node: its collector actor and the sample sink, started once the master
// welcomes it.
#include "node_join.hpp"
#include "node_net.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/protocols/collector.hpp"

#include <fmt/format.h>

namespace sgmc::actors {

expected<std::string> run_collector_node(const engine::run_plan& s, const node_options& o,
                                         const sink_factory& make_sink) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const log_fn log = detail::serialized(o.log);
  detail::node_config cfg(detail::threads_of(o), o);
  caf::actor_system sys{cfg};
  detail::joining_node st;
  engine::sample_sink* sink = nullptr;
  const auto dim = s.model->dim();
  auto start = [&](const protocols::welcome& w,
                   const caf::actor& agent) -> expected<detail::role_started> {
    if (auto r = detail::check_welcome(s, w); !r) return unexpected(r.error());
    auto made = make_sink(w);
    if (!made) return unexpected(made.error());
    sink = *made;
    if (auto r = detail::open_trace(o, "collector", w, st); !r) return unexpected(r.error());
    st.name = "collector";
    const auto coll = protocols::collector::for_protocol(s.protocol, dim);
    actor_context ctx{agent,      st.trace.get(),   log,   s.staleness,
                      s.run.seed, st.channel.get(), st.ids};
    collector_actor_config cc{coll.chains(),
                              coll.shards(),
                              s.protocol.shards,
                              s.protocol.workers,
                              dim,
                              sink,
                              o.checkpoints,
                              w.rejoin    ? o.draws
                              : w.resumed ? w.resume_draws
                                          : std::vector<std::uint64_t>{}};
    cc.ack = true;
    st.role = spawn_collector(sys, ctx, std::move(cc));
    if (log)
      log(fmt::format("collector: {} ({} workers, {} shard{}, dim {}){}",
                      w.rejoin ? "welcomed back into the running run" : "welcomed", w.workers,
                      w.shards, w.shards == 1 ? "" : "s", w.dim,
                      w.rejoin    ? fmt::format("; keeping {} draws", fmt::join(o.draws, " "))
                      : w.resumed ? fmt::format("; resuming at version {}", w.resume_version)
                                  : ""));
    return detail::role_started{st.role, st.trace.get(), {engine::trace_role::collector, 0}};
  };
  node_options opts = o;
  opts.log = log;
  auto r = detail::run_joining_node(sys, s, opts, engine::node_role::collector, start, st);
  if (!r) {
    if (sink != nullptr) sink->on_error(r.error());
    return r;
  }
  if (sink == nullptr) return make_error(errc::protocol, "the collector ended before it started");
  if (auto f = sink->on_finish(engine::run_report{}); !f) return unexpected(f.error());
  return r;
}

}  // namespace sgmc::actors
