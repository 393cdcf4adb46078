// Worker and collector nodes (node_join.hpp): connect to the master, let the agent say hello,
// spawn the node's actor once welcomed, and wait for the agent's word on the end.
#include "node_join.hpp"

#include "node_net.hpp"
#include "once_result.hpp"
#include "startup_trace.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>

#include <chrono>
#include <thread>

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
  if (o.trace_folder.empty() || st.trace) return {};  // a rejoin goes on writing the same trace
  auto t = engine::trace_writer::open(o.trace_folder / (node + ".trace"), node, run_id_of(w),
                                      o.config_hash);
  if (!t) return unexpected(t.error());
  st.trace = std::move(*t);
  auto live = trace_publication::start(st.trace.get(), o.trace_publish, node, o.log);
  if (!live) return unexpected(live.error());
  st.live = std::move(*live);
  return {};
}

namespace {

constexpr auto kRejoinRetry = std::chrono::milliseconds(200);

/// How one attempt to join ended.
enum class attempt { ended, unreachable, taken, master_lost };

// One connection to the master: hello, welcome, the node's actor, until the agent's word on
// the end; then the node's actor is shut down and every actor has terminated.
expected<std::string> join_once(caf::actor_system& sys, const engine::run_plan& s,
                                const node_options& o, engine::node_role kind,
                                const start_fn& start, joining_node& st, std::uint32_t& index,
                                std::chrono::milliseconds timeout, attempt& how) {
  const std::string role{engine::to_string(kind)};
  how = attempt::ended;
  std::string local_host;
  auto gate = connect_gate(sys, o.address, timeout, &local_host);
  if (!gate) {
    how = attempt::unreachable;
    return unexpected(gate.error());
  }
  if (o.log) o.log(fmt::format("{}: connected to the master at {}", role, to_string(o.address)));
  if (o.data_channel && !st.channel) {
    // Bound where this node's connection to the master leaves from: an address the master
    // (and so, usually, the other nodes) can reach.
    auto ch = data_channel::open(local_host.empty() ? "0.0.0.0" : local_host, o.channel, o.log);
    if (!ch) return unexpected(ch.error());
    st.channel = std::move(*ch);
    st.channel->set_wildcard_host(o.address.host);
  }
  once_result<expected<std::string>> result;
  bool lost = false;
  bool welcomed = false;
  agent_config ac;
  ac.gate = *gate;
  ac.hello = {role, kind == engine::node_role::worker ? index : 0, o.config_hash, s.model->dim(),
              st.channel ? st.channel->endpoint() : std::string()};
  ac.hello.data_files = o.data_files;
  if (kind == engine::node_role::collector) ac.hello.draws = o.draws;
  if (o.edit_hello) o.edit_hello(ac.hello);
  ac.origin = node_origin();
  ac.ids = st.ids;
  ac.master = to_string(o.address);
  ac.welcome_timeout = timeout;
  ac.start_role = [&](const protocols::welcome& w, const caf::actor& agent) {
    welcomed = true;
    index = w.worker;  // a rejoin asks for the same index
    auto r = start(w, agent);
    if (r) ++st.starts;
    return r;
  };
  if (o.rejoin && kind == engine::node_role::worker) ac.on_master_lost = [&lost] { lost = true; };
  ac.on_end = [&result](expected<std::string> r) { result.set(std::move(r)); };
  ac.log = o.log;
  spawn_agent(sys, std::move(ac));
  auto r = result.get();
  if (st.role) caf::anon_send_exit(st.role, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  st.role = caf::actor{};
  if (!r && lost) how = attempt::master_lost;
  // The master has not noticed yet that this worker's old connection is gone.
  if (!r && !welcomed && st.starts > 0 &&
      r.error().message.find(" is already taken (by ") != std::string::npos)
    how = attempt::taken;
  return r;
}

// After losing the master at `lost`: connects again and rejoins, trying for up to
// o.connect_timeout.
expected<std::string> rejoin(caf::actor_system& sys, const engine::run_plan& s,
                             const node_options& o, const start_fn& start, joining_node& st,
                             std::uint32_t& index, error lost) {
  using clock = std::chrono::steady_clock;
  for (;;) {
    const auto seconds = static_cast<double>(o.connect_timeout.count()) / 1e3;
    if (o.log)
      o.log(fmt::format("worker {}: {}; rejoining (trying for up to {:.1f} s)", index, lost.message,
                        seconds));
    const auto deadline = clock::now() + o.connect_timeout;
    error last{lost};
    attempt how = attempt::unreachable;
    expected<std::string> r = unexpected(last);
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0) break;
      r = join_once(sys, s, o, engine::node_role::worker, start, st, index, left, how);
      if (r || (how != attempt::unreachable && how != attempt::taken)) break;
      last = r.error();
      std::this_thread::sleep_for(kRejoinRetry);
    }
    if (r || how == attempt::ended) return r;
    if (how == attempt::master_lost) {  // lost again after rejoining: start over
      lost = r.error();
      continue;
    }
    return unexpected(last.code, fmt::format("{}, and could not rejoin within {:.1f} s: {}",
                                             lost.message, seconds, last.message));
  }
}

}  // namespace

expected<std::string> run_joining_node(caf::actor_system& sys, const engine::run_plan& s,
                                       const node_options& o, engine::node_role kind,
                                       start_fn start, joining_node& st) {
  const std::string role{engine::to_string(kind)};
  std::uint32_t index = kind == engine::node_role::worker ? o.worker : 0;
  attempt how = attempt::ended;
  auto r = join_once(sys, s, o, kind, start, st, index, o.connect_timeout, how);
  if (!r && how == attempt::master_lost) r = rejoin(sys, s, o, start, st, index, r.error());
  if (st.channel && o.log)
    o.log(fmt::format("{}: {}", st.name.empty() ? role : st.name, describe(*st.channel)));
  st.live = trace_publication{};  // detached, the rest sent, the counts logged
  if (r && st.trace)
    if (auto f = st.trace->flush(); !f) return unexpected(f.error());
  return r;
}

}  // namespace sgmc::actors::detail
