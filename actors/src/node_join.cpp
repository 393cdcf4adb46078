// Worker and collector nodes (node_join.hpp): connect to the master, let the agent say hello,
// spawn the node's actor once welcomed, and wait for the agent's word on the end.
#include "node_join.hpp"

#include "node_net.hpp"
#include "once_result.hpp"
#include "startup_trace.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>

namespace sgmc::actors::detail {

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

expected<void> open_trace(const node_options& o, const std::string& node,
                          const protocols::welcome& w, joining_node& st) {
  if (o.trace_folder.empty()) return {};
  auto t = engine::trace_writer::open(o.trace_folder / (node + ".trace"), node, run_id_of(w),
                                      o.config_hash);
  if (!t) return unexpected(t.error());
  st.trace = std::move(*t);
  auto live = trace_publication::start(st.trace.get(), o.trace_publish, node, o.log);
  if (!live) return unexpected(live.error());
  st.live = std::move(*live);
  return {};
}

expected<std::string> run_joining_node(caf::actor_system& sys, const engine::run_plan& s,
                                       const node_options& o, engine::node_role kind,
                                       start_fn start, joining_node& st) {
  const std::string role{engine::to_string(kind)};
  std::string local_host;
  auto gate = connect_gate(sys, o.address, o.connect_timeout, &local_host);
  if (!gate) return unexpected(gate.error());
  if (o.log) o.log(fmt::format("{}: connected to the master at {}", role, to_string(o.address)));
  if (o.data_channel) {
    // Bound where this node's connection to the master leaves from: an address the master
    // (and so, usually, the other nodes) can reach.
    auto ch = data_channel::open(local_host.empty() ? "0.0.0.0" : local_host, o.channel, o.log);
    if (!ch) return unexpected(ch.error());
    st.channel = std::move(*ch);
    st.channel->set_wildcard_host(o.address.host);
  }
  once_result<expected<std::string>> result;
  agent_config ac;
  ac.gate = *gate;
  ac.hello = {role, kind == engine::node_role::worker ? o.worker : 0, o.config_hash, s.model->dim(),
              st.channel ? st.channel->endpoint() : std::string()};
  ac.hello.data_files = o.data_files;
  if (kind == engine::node_role::collector) ac.hello.draws = o.draws;
  if (o.edit_hello) o.edit_hello(ac.hello);
  ac.origin = node_origin();
  ac.ids = st.ids;
  ac.master = to_string(o.address);
  ac.welcome_timeout = o.connect_timeout;
  ac.start_role = std::move(start);
  ac.on_end = [&result](expected<std::string> r) { result.set(std::move(r)); };
  ac.log = o.log;
  spawn_agent(sys, std::move(ac));
  auto r = result.get();
  if (st.role) caf::anon_send_exit(st.role, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  if (st.channel && o.log)
    o.log(fmt::format("{}: {}", st.name.empty() ? role : st.name, describe(*st.channel)));
  st.live = trace_publication{};  // detached, the rest sent, the counts logged
  if (r && st.trace)
    if (auto f = st.trace->flush(); !f) return unexpected(f.error());
  return r;
}

}  // namespace sgmc::actors::detail
