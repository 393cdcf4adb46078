// Worker and collector nodes: connect to the master, let the agent say hello, spawn the node's
// actor once welcomed, and wait for the agent's word on the end.
#include "node_internal.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/protocols/collector.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>

#include <memory>

namespace sgmc::actors {
namespace {

using detail::role_started;
using start_fn =
    std::function<expected<role_started>(const protocols::welcome&, const caf::actor& agent)>;

/// What a peer node keeps alive until its actors have terminated.
struct peer_state {
  caf::actor role;
  std::unique_ptr<data_channel> data;  ///< opened once the master is reached
  std::string name;                    ///< "worker 2", "collector": once welcomed
  std::unique_ptr<engine::trace_writer> trace;
  std::unique_ptr<samplers::gradient_source> source;
};

expected<void> check_welcome(const engine::run_plan& s, const protocols::welcome& w) {
  const auto& p = s.protocol;
  if (w.dim == s.model->dim() && w.shards == p.shards && w.workers == p.workers &&
      w.worker < p.workers)
    return {};
  return make_error(
      errc::protocol,
      fmt::format("the master's welcome (worker {}, dim {}, {} shards, {} workers) "
                  "does not fit this node's config (dim {}, {} shards, {} workers)",
                  w.worker, w.dim, w.shards, w.workers, s.model->dim(), p.shards, p.workers));
}

expected<void> open_trace(const node_options& o, const std::string& node, peer_state& st) {
  if (o.trace_folder.empty()) return {};
  auto t = engine::trace_writer::open(o.trace_folder / (node + ".trace"), node);
  if (!t) return unexpected(t.error());
  st.trace = std::move(*t);
  return {};
}

// Connects, runs the agent until the end, then shuts the node's actor down.
expected<std::string> run_peer(caf::actor_system& sys, const engine::run_plan& s,
                               const node_options& o, const std::string& role, start_fn start,
                               peer_state& st) {
  std::string local_host;
  auto gate = detail::connect_gate(sys, o.address, o.connect_timeout, &local_host);
  if (!gate) return unexpected(gate.error());
  if (o.log) o.log(fmt::format("{}: connected to the master at {}", role, to_string(o.address)));
  if (o.data_channel) {
    // Bound where this node's connection to the master leaves from: an address the master
    // (and so, usually, the other nodes) can reach.
    auto ch = data_channel::open(local_host.empty() ? "0.0.0.0" : local_host, o.data, o.log);
    if (!ch) return unexpected(ch.error());
    st.data = std::move(*ch);
    st.data->set_wildcard_host(o.address.host);
  }
  detail::once_result<expected<std::string>> result;
  detail::agent_config ac;
  ac.gate = *gate;
  ac.hello = {role, role == "worker" ? o.worker : 0, o.config_hash, s.model->dim(),
              st.data ? st.data->endpoint() : std::string()};
  ac.origin = detail::node_origin();
  ac.master = to_string(o.address);
  ac.welcome_timeout = o.connect_timeout;
  ac.start_role = std::move(start);
  ac.on_end = [&result](expected<std::string> r) { result.set(std::move(r)); };
  ac.say = o.log;
  detail::spawn_agent(sys, std::move(ac));
  auto r = result.get();
  if (st.role) caf::anon_send_exit(st.role, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  if (st.data && o.log)
    o.log(fmt::format("{}: {}", st.name.empty() ? role : st.name, describe(*st.data)));
  if (r && st.trace)
    if (auto f = st.trace->flush(); !f) return unexpected(f.error());
  return r;
}

unsigned threads_of(const node_options& o) { return o.threads > 0 ? o.threads : 1; }

}  // namespace

expected<std::string> run_worker_node(const engine::run_plan& s, const node_options& o) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const auto theta0 = engine::initial_theta(s);
  const log_fn say = detail::serialized(o.log);
  detail::node_config cfg(threads_of(o), o);
  caf::actor_system sys{cfg};
  peer_state st;
  auto start = [&](const protocols::welcome& w, const caf::actor& agent) -> expected<role_started> {
    if (auto r = check_welcome(s, w); !r) return unexpected(r.error());
    auto part = engine::make_worker_part(s, theta0, w.worker);
    if (!part) return unexpected(part.error());
    const auto name = fmt::format("worker-{}", w.worker);
    st.name = fmt::format("worker {}", w.worker);
    if (auto r = open_trace(o, name, st); !r) return unexpected(r.error());
    st.source = std::move(part->source);
    actor_context ctx{agent, st.trace.get(), say, s.staleness, s.run.seed, st.data.get()};
    st.role =
        spawn_worker(sys, ctx, {std::move(part->worker), w.worker}, s.protocol.shards + w.worker);
    if (say)
      say(fmt::format("worker {}: welcomed ({} workers, {} shard{}, dim {})", w.worker, w.workers,
                      w.shards, w.shards == 1 ? "" : "s", w.dim));
    return role_started{st.role, st.trace.get(), {engine::trace_role::worker, w.worker}};
  };
  node_options opts = o;
  opts.log = say;
  return run_peer(sys, s, opts, "worker", start, st);
}

expected<std::string> run_collector_node(const engine::run_plan& s, const node_options& o,
                                         engine::sample_sink& sink) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const log_fn say = detail::serialized(o.log);
  detail::node_config cfg(threads_of(o), o);
  caf::actor_system sys{cfg};
  peer_state st;
  const auto dim = s.model->dim();
  auto start = [&](const protocols::welcome& w, const caf::actor& agent) -> expected<role_started> {
    if (auto r = check_welcome(s, w); !r) return unexpected(r.error());
    if (auto r = open_trace(o, "collector", st); !r) return unexpected(r.error());
    st.name = "collector";
    const auto coll = protocols::collector::for_protocol(s.protocol, dim);
    actor_context ctx{agent, st.trace.get(), say, s.staleness, s.run.seed, st.data.get()};
    st.role = spawn_collector(
        sys, ctx,
        {coll.chains(), coll.shards(), s.protocol.shards, s.protocol.workers, dim, &sink});
    if (say)
      say(fmt::format("collector: welcomed ({} workers, {} shard{}, dim {})", w.workers, w.shards,
                      w.shards == 1 ? "" : "s", w.dim));
    return role_started{st.role, st.trace.get(), {engine::trace_role::collector, 0}};
  };
  node_options opts = o;
  opts.log = say;
  auto r = run_peer(sys, s, opts, "collector", start, st);
  if (!r) {
    sink.on_error(r.error());
    return r;
  }
  if (auto f = sink.on_finish(engine::run_report{}); !f) return unexpected(f.error());
  return r;
}

}  // namespace sgmc::actors
