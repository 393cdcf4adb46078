// The master node's gate: the actor published on --listen. It delivers hellos, joins and
// losses to the admission rules (engine/admission.hpp) and carries out their decisions: a
// welcome or a refusal, starting the run through the supervisor once everybody has joined,
// telling the collector of a worker lost during the run, and saying goodbye to every node at
// the end. See node.hpp for the messages.
#include "node_gate.hpp"

#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/run_report.hpp"
#include "startup_trace.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/response_promise.hpp>
#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <optional>
#include <set>
#include <utility>

namespace sgmc::actors::detail {
namespace {

using engine::node_role;
using engine::node_slot;

/// The actors of one node: what the admission rules do not know.
struct handles {
  caf::actor agent;                  ///< the node's agent, once welcomed
  caf::actor role;                   ///< the node's worker or collector actor, once joined
  std::vector<std::uint64_t> draws;  ///< a collector: the draws per chain its hello counted
};

// What a node of a resumed run needs (`sgmc node master --resume`): a worker its gradient count
// (its place in its minibatch and noise streams) and the checkpoint's θ (elastic: its chain);
// the collector the draws it keeps per chain.
void set_resume(protocols::welcome& w, const engine::checkpoint& c, node_slot s) {
  w.resumed = true;
  w.resume_version = c.shards.at(0).version;
  if (s.role == node_role::worker) {
    w.resume_computed = s.index < c.computed.size() ? c.computed[s.index] : 0;
    if (s.index < c.chains.size())
      w.resume_chain = c.chains[s.index];  // elastic: its own chain, not the centre
    else
      w.resume_theta = c.theta();
  } else {
    w.resume_draws = c.draws;
  }
}

engine::trace_actor trace_actor_of(node_slot s) {
  if (s.role == node_role::collector) return {engine::trace_role::collector, 0};
  return {engine::trace_role::worker, s.index};
}

class gate final : public caf::event_based_actor {
 public:
  gate(caf::actor_config& cfg, gate_config gc)
      : caf::event_based_actor(cfg),
        cfg_(std::move(gc)),
        rules_(cfg_.admission),
        workers_(cfg_.admission.workers) {}

  // Releases every handle: actors holding each other's handles would keep each other alive.
  void on_exit() override {
    cfg_.masters.clear();
    cfg_.supervisor = caf::actor{};
    for (auto& w : workers_) w = handles{};
    collector_ = handles{};
    waiting_.clear();
    bye_.reset();
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    // Anything else is dropped without an answer (an error answer would end a remote sender).
    set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return caf::delegated<caf::message>{};
    });
    delayed_send(this, cfg_.wait, tick_atom::value);
    return {
        [this](std::uint64_t id, const protocols::hello& h, const std::string& origin) {
          on_hello(h, origin, id);
        },
        [this](join_atom, const caf::actor& role) { on_join(role); },
        [this](tick_atom) {
          if (auto e = rules_.on_wait_over(cfg_.wait); e && cfg_.on_fail) cfg_.on_fail(*e);
        },
        [this](bye_atom, std::uint8_t code, const std::string& text) -> caf::result<bool> {
          return on_bye(code, text);
        },
        [this](bye_atom) { acknowledged(caf::actor_cast<caf::actor_addr>(current_sender())); },
    };
  }

 private:
  void on_hello(const protocols::hello& h, const std::string& origin, std::uint64_t id) {
    const auto t = engine::trace_now_ns();
    auto agent = caf::actor_cast<caf::actor>(current_sender());
    if (!agent) return;
    auto d = rules_.on_hello(h, origin);
    if (auto* r = std::get_if<engine::refusal>(&d)) {
      const bool collector = engine::parse_node_role(h.role) == node_role::collector;
      trace_startup(cfg_.trace, engine::trace_type::hello, engine::trace_direction::received, me(),
                    trace_actor_of({collector ? node_role::collector : node_role::worker, 0}),
                    bytes_of_hello(h), t, id);
      log(r->log_line);
      send(agent, fail_atom::value, static_cast<std::uint8_t>(r->code()), r->message);
      return;
    }
    const auto& w = std::get<engine::welcomed>(d);
    trace_startup(cfg_.trace, engine::trace_type::hello, engine::trace_direction::received, me(),
                  trace_actor_of(w.slot), bytes_of_hello(h), t, id);
    *at(w.slot) = handles{agent, caf::actor{}, h.draws};
    monitor(agent);
    auto welcome = w.welcome;
    set_run_id(welcome, cfg_.run_id);
    if (cfg_.resume != nullptr) set_resume(welcome, *cfg_.resume, w.slot);
    const auto seq = next_id();
    trace_startup(cfg_.trace, engine::trace_type::welcome, engine::trace_direction::sent, me(),
                  trace_actor_of(w.slot), bytes_of_welcome(), engine::trace_now_ns(), seq);
    send(agent, seq, welcome, cfg_.supervisor);
  }

  void on_join(const caf::actor& role) {
    auto slot = find(caf::actor_cast<caf::actor_addr>(current_sender()));
    if (!slot || !role || at(*slot)->role) return;
    auto d = rules_.on_join(*slot);
    if (!d.joined) return;
    at(*slot)->role = role;
    monitor(role);
    log(d.log_line);
    if (d.collector_rejoined)
      send(cfg_.supervisor, collector_atom::value, role, rules_.data_endpoints().back(),
           protocols::draws_ack{at(*slot)->draws});
    if (d.all_joined) start(d.start_line);
    // A worker joining the run under way: the supervisor hands it on to the actors.
    if (d.mid_run)
      send(cfg_.supervisor, rejoin_atom::value, slot->index, role, rules_.data_endpoints());
  }

  void start(const std::string& line) {
    log(line);
    std::vector<caf::actor> roles;
    for (const auto& w : workers_) roles.push_back(w.role);
    // Every actor's data channel endpoint, in the directory's order: masters, workers, the
    // collector.
    send(cfg_.supervisor, init_atom::value, cfg_.masters, roles, collector_.role,
         rules_.data_endpoints());
  }

  caf::result<bool> on_bye(std::uint8_t code, const std::string& text) {
    for (const auto slot : rules_.on_end()) {
      const auto& agent = at(slot)->agent;
      if (code == 0) {
        const auto seq = next_id();
        trace_startup(cfg_.trace, engine::trace_type::stop, engine::trace_direction::sent, me(),
                      trace_actor_of(slot), bytes_of_stop(text), engine::trace_now_ns(), seq);
        send(agent, seq, protocols::stop{text});
      } else {
        send(agent, fail_atom::value, code, text);
      }
      waiting_.insert(agent.address());
    }
    if (waiting_.empty()) return true;
    bye_ = make_response_promise();
    return caf::delegated<bool>{};
  }

  void acknowledged(const caf::actor_addr& agent) {
    if (waiting_.erase(agent) == 0 || !waiting_.empty() || !bye_) return;
    bye_->deliver(true);
    bye_.reset();
  }

  void on_down(const caf::down_msg& m) {
    auto slot = find(m.source);
    if (!slot) return;
    auto* h = at(*slot);
    // The supervisor shuts every node's actor down at the run's end: no loss, the node's agent
    // is still there to be told how the run ended.
    const bool at_end =
        m.source != h->agent.address() && m.reason == caf::exit_reason::user_shutdown;
    auto d = rules_.on_lost(*slot, at_end, caf::to_string(m.reason));
    using kind = engine::loss_decision::kind;
    if (d.what == kind::freed) {
      log(d.log_line);
      *h = handles{};
      return;
    }
    if (d.what != kind::lost) return;
    // No goodbye for this node: nobody would acknowledge it.
    if (waiting_.count(h->agent.address()) > 0) return acknowledged(h->agent.address());
    // The collector reaches a worker node only through this node and would not see it die:
    // tell it the worker is done, as the worker itself would have.
    if (d.tell_collector && collector_.role)
      send(collector_.role, done_atom::value, engine::worker_report{slot->index, 0});
  }

  // The slot whose agent or role `a` is (nullopt if none).
  std::optional<node_slot> find(const caf::actor_addr& a) const {
    if (!a) return std::nullopt;
    for (std::uint32_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].agent.address() == a || workers_[i].role.address() == a)
        return node_slot{node_role::worker, i};
    if (collector_.agent.address() == a || collector_.role.address() == a)
      return node_slot{node_role::collector, 0};
    return std::nullopt;
  }

  handles* at(node_slot s) {
    return s.role == node_role::collector ? &collector_ : &workers_.at(s.index);
  }

  static engine::trace_actor me() { return {engine::trace_role::master, 0}; }
  std::uint64_t next_id() {
    if (!cfg_.ids) cfg_.ids = std::make_shared<std::atomic<std::uint64_t>>(0);
    return cfg_.ids->fetch_add(1, std::memory_order_relaxed) + 1;
  }
  void log(const std::string& line) const {
    if (cfg_.log) cfg_.log(line);
  }

  gate_config cfg_;
  engine::admission rules_;
  std::vector<handles> workers_;
  handles collector_;
  std::set<caf::actor_addr> waiting_;  ///< agents yet to acknowledge the end
  std::optional<caf::response_promise> bye_;
};

}  // namespace

caf::actor spawn_gate(caf::actor_system& sys, gate_config cfg) {
  return sys.spawn<gate>(std::move(cfg));
}

}  // namespace sgmc::actors::detail
