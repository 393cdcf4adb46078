// The master node: master shards, the supervisor and the gate in one actor system, the gate
// published on --listen. The run ends through the supervisor (a summary or an error) or the
// gate (not everybody joined in time); then every node is told, and the actors are shut down.
#include "node_gate.hpp"
#include "node_net.hpp"
#include "once_result.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/actors/supervisor.hpp"
#include "sgmc/actors/trace_publisher.hpp"
#include "sgmc/actors/wire.hpp"

#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace sgmc::actors {
namespace {

using detail::once_result;

// How long the master waits for every node to acknowledge the run's end.
constexpr std::chrono::seconds kByeTimeout{5};

struct master_node {
  std::vector<caf::actor> shards;
  caf::actor supervisor;
  caf::actor gate;
};

master_node spawn_master_node(caf::actor_system& sys, const engine::run_plan& s,
                              const node_options& o,
                              std::vector<std::unique_ptr<protocols::master>> protos,
                              engine::trace_writer* trace, const engine::trace_run_id& run_id,
                              data_channel* channel,
                              std::shared_ptr<once_result<expected<engine::run_report>>> outcome) {
  const log_fn log = detail::serialized(o.log);
  supervisor_config sup;
  sup.shards = s.protocol.shards;
  sup.workers = s.protocol.workers;
  sup.watchdog = o.watchdog;
  sup.on_progress = o.on_progress;
  sup.log = log;
  // Elastic workers send their samples to the collector themselves and keep none: a lost
  // collector ends an elastic run.
  const bool rejoin = s.protocol.kind != protocols::protocol_kind::elastic &&
                      o.collector_wait.count() > 0 && o.collector_buffer > 0;
  if (rejoin) sup.collector_wait = o.collector_wait;
  sup.on_result = [outcome](expected<engine::run_report> r) { outcome->set(std::move(r)); };
  master_node n;
  n.supervisor = spawn_supervisor(sys, std::move(sup));
  actor_context ctx{n.supervisor, trace, log, s.staleness, s.run.seed, channel, nullptr};
  // The gate records as master shard 0: the two number their messages in one sequence.
  const auto ids = std::make_shared<std::atomic<std::uint64_t>>(0);
  const auto every = std::max<std::uint64_t>(1, s.run.steps / 100);
  for (std::uint32_t k = 0; k < protos.size(); ++k) {
    auto c = ctx;
    if (k == 0) c.ids = ids;
    n.shards.push_back(spawn_master(
        sys, c,
        {std::move(protos[k]), k, every, o.checkpoint_every_s,
         o.resume != nullptr ? o.resume->computed : std::vector<std::uint64_t>{},
         s.protocol.kind == protocols::protocol_kind::elastic, rejoin ? o.collector_buffer : 0}));
  }
  detail::gate_config gc;
  gc.admission.workers = s.protocol.workers;
  gc.admission.min_workers = o.min_workers;
  // An elastic worker's chain numbers its draws from its start: it cannot rejoin.
  gc.admission.joins_mid_run = s.protocol.kind != protocols::protocol_kind::elastic;
  gc.admission.shards = s.protocol.shards;
  gc.admission.dim = s.model->dim();
  gc.admission.config_hash = o.config_hash;
  gc.admission.data_files = o.data_files;
  gc.admission.protocol = protocols::to_string(s.protocol.kind);
  gc.admission.collector_rejoin = rejoin;
  if (channel != nullptr) gc.admission.data = channel->endpoint();
  gc.masters = n.shards;
  gc.supervisor = n.supervisor;
  gc.wait = o.wait;
  gc.trace = trace;
  gc.run_id = run_id;
  gc.ids = ids;
  gc.log = log;
  gc.resume = o.resume;
  gc.on_fail = [outcome](error e) { outcome->set(unexpected(std::move(e))); };
  n.gate = detail::spawn_gate(sys, std::move(gc));
  return n;
}

// Tells every node how the run ended and waits (bounded) for their acknowledgements, so that
// the news leaves this process before its connections close.
void say_goodbye(caf::actor_system& sys, const caf::actor& gate,
                 const expected<engine::run_report>& r) {
  const std::uint8_t code = r ? 0 : static_cast<std::uint8_t>(r.error().code);
  const std::string text = r ? "done: " + describe(*r) : r.error().message;
  caf::scoped_actor self{sys};
  self->request(gate, kByeTimeout, detail::bye_atom::value, code, text)
      .receive([](bool) {}, [](caf::error&) {});
}

}  // namespace

expected<engine::run_report> run_master_node(const engine::run_plan& s, const node_options& o) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const auto theta0 = engine::initial_theta(s);
  auto protos = engine::make_master_shards(s, theta0);
  if (!protos) return unexpected(protos.error());
  if (o.resume != nullptr) {
    if (o.resume->shards.size() != protos->size())
      return make_error(errc::invalid_argument,
                        fmt::format("the checkpoint has {} master shards, the run {}",
                                    o.resume->shards.size(), protos->size()));
    for (std::size_t k = 0; k < protos->size(); ++k)
      if (auto ok = (*protos)[k]->restore(o.resume->shards[k]); !ok) return unexpected(ok.error());
  }
  const auto run_id = o.run_id != engine::trace_run_id{} ? o.run_id : engine::new_trace_run_id();
  std::unique_ptr<engine::trace_writer> trace;
  if (!o.trace_folder.empty()) {
    auto t = engine::trace_writer::open(o.trace_folder / "master.trace", "master", run_id,
                                        o.config_hash);
    if (!t) return unexpected(t.error());
    trace = std::move(*t);
  }
  auto live = trace_publication::start(trace.get(), o.trace_publish, "master", o.log);
  if (!live) return unexpected(live.error());
  // Declared before the actor system: it outlives every actor that uses it.
  std::unique_ptr<data_channel> data;
  if (o.data_channel) {
    auto ch = data_channel::open(o.address.host, o.channel, detail::serialized(o.log));
    if (!ch) return unexpected(ch.error());
    data = std::move(*ch);
  }
  detail::node_config cfg(o.threads > 0 ? o.threads : 2, o);
  caf::actor_system sys{cfg};
  auto outcome = std::make_shared<once_result<expected<engine::run_report>>>();
  auto node =
      spawn_master_node(sys, s, o, std::move(*protos), trace.get(), run_id, data.get(), outcome);
  auto port =
      o.tls.enabled
          ? caf::openssl::publish(node.gate, o.address.port, o.address.host.c_str(), true)
          : sys.middleman().publish(node.gate, o.address.port, o.address.host.c_str(), true);
  if (!port)
    outcome->set(make_error(errc::io, fmt::format("cannot listen on {}: {}", to_string(o.address),
                                                  sys.render(port.error()))));
  else if (o.on_listening)
    o.on_listening({o.address.host, *port});
  auto result = outcome->get();
  if (port) say_goodbye(sys, node.gate, result);
  for (const auto& a : node.shards) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node.supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node.gate, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  if (data && o.log) o.log(describe(*data));
  *live = trace_publication{};  // detached, the rest sent, the counts logged
  if (result && trace)
    if (auto r = trace->flush(); !r) return unexpected(r.error());
  return result;
}

}  // namespace sgmc::actors
