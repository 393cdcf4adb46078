// The master node's gate: the actor published on --listen. It admits workers and one collector
// (hello → welcome → join), starts the run through the supervisor once everybody has joined,
// and says goodbye to every node at the end. See node.hpp for the messages.
#include "node_internal.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/run_report.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/response_promise.hpp>
#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace sgmc::actors::detail {
namespace {

struct slot {
  caf::actor agent;  ///< the node's agent, once welcomed
  caf::actor role;   ///< the node's worker or collector actor, once joined
  std::string origin;
  std::string data;  ///< the node's data channel endpoint ("" for none)
  bool lost = false;
};

std::string name_of(bool collector, std::uint32_t i) {
  return collector ? "the collector" : fmt::format("worker {}", i);
}

class gate final : public caf::event_based_actor {
 public:
  gate(caf::actor_config& cfg, gate_config gc)
      : caf::event_based_actor(cfg), cfg_(std::move(gc)), workers_(cfg_.workers) {}

  // Releases every handle: actors holding each other's handles would keep each other alive.
  void on_exit() override {
    cfg_.masters.clear();
    cfg_.supervisor = caf::actor{};
    for (auto* s : slots()) *s = slot{};
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
        [this](const protocols::hello& h, const std::string& origin) { on_hello(h, origin); },
        [this](join_atom, const caf::actor& role) { on_join(role); },
        [this](tick_atom) { on_wait_over(); },
        [this](bye_atom, std::uint8_t code, const std::string& text) -> caf::result<bool> {
          return on_bye(code, text);
        },
        [this](bye_atom) { acknowledged(caf::actor_cast<caf::actor_addr>(current_sender())); },
    };
  }

 private:
  // Why a hello cannot be taken ("" if it can), and the slot it gets.
  std::string refusal(const protocols::hello& h, std::optional<std::uint32_t>& index) const {
    if (h.role != "worker" && h.role != "collector")
      return fmt::format("unknown role \"{}\" (worker or collector)", h.role);
    if (started_) return "the run has already started";
    if (ended_) return "the master has stopped waiting for nodes";
    if (h.config_hash != cfg_.config_hash)
      return fmt::format(
          "config mismatch: the {}'s config hash is {}, the master's is {} (start every node "
          "with the same config file and the same --set options)",
          h.role, hash_hex(h.config_hash), hash_hex(cfg_.config_hash));
    if (h.dim != cfg_.dim)
      return fmt::format("dimension mismatch: the {}'s model has dim {}, the master's {}", h.role,
                         h.dim, cfg_.dim);
    if (h.role == "collector") {
      if (collector_.agent)
        return fmt::format("a collector already joined from {}", collector_.origin);
      return "";
    }
    if (h.worker == kAnyWorker) {
      for (std::uint32_t i = 0; i < workers_.size(); ++i) {
        if (workers_[i].agent) continue;
        index = i;
        return "";
      }
      return fmt::format("all {} worker places are taken", workers_.size());
    }
    if (h.worker >= workers_.size())
      return fmt::format("worker index {} is out of range (protocol.workers = {})", h.worker,
                         workers_.size());
    if (workers_[h.worker].agent)
      return fmt::format("worker index {} is already taken (by {})", h.worker,
                         workers_[h.worker].origin);
    index = h.worker;
    return "";
  }

  void on_hello(const protocols::hello& h, const std::string& origin) {
    const auto t = engine::trace_now_ns();
    auto agent = caf::actor_cast<caf::actor>(current_sender());
    if (!agent) return;
    std::optional<std::uint32_t> index;
    const auto why = refusal(h, index);
    const bool collector = h.role == "collector";
    const engine::trace_actor peer =
        collector ? engine::trace_actor{engine::trace_role::collector, 0}
                  : engine::trace_actor{engine::trace_role::worker, index.value_or(0)};
    trace_startup(cfg_.trace, engine::trace_type::hello, engine::trace_direction::received, me(),
                  peer, bytes_of_hello(h), t);
    if (!why.empty()) {
      say(fmt::format("refused a {} from {}: {}", h.role, origin, why));
      const auto code = why.starts_with("config") ? errc::invalid_config : errc::protocol;
      send(agent, fail_atom::value, static_cast<std::uint8_t>(code), why);
      return;
    }
    auto& s = collector ? collector_ : workers_[*index];
    s = slot{agent, caf::actor{}, origin, h.data, false};
    monitor(agent);
    protocols::welcome w{index.value_or(0), cfg_.dim, cfg_.shards, cfg_.workers};
    trace_startup(cfg_.trace, engine::trace_type::welcome, engine::trace_direction::sent, me(),
                  peer, bytes_of_welcome(), engine::trace_now_ns());
    send(agent, w, cfg_.supervisor);
  }

  void on_join(const caf::actor& role) {
    const auto from = caf::actor_cast<caf::actor_addr>(current_sender());
    auto [s, collector, i] = find(from);
    if (s == nullptr || s->role || !role || started_ || ended_) return;
    s->role = role;
    monitor(role);
    say(fmt::format("{} joined from {}", name_of(collector, i), s->origin));
    for (const auto& w : workers_)
      if (!w.role) return;
    if (collector_.role) start();
  }

  void start() {
    started_ = true;
    say(fmt::format("all {} worker{} and the collector joined; starting {}", workers_.size(),
                    workers_.size() == 1 ? "" : "s", cfg_.protocol));
    std::vector<caf::actor> roles;
    // Every actor's data channel endpoint, in the directory's order: masters, workers, the
    // collector.
    std::vector<std::string> data(cfg_.masters.size(), cfg_.data);
    for (const auto& w : workers_) {
      roles.push_back(w.role);
      data.push_back(w.data);
    }
    data.push_back(collector_.data);
    send(cfg_.supervisor, init_atom::value, cfg_.masters, roles, collector_.role, data);
  }

  void on_wait_over() {
    if (started_ || ended_) return;
    ended_ = true;
    std::vector<std::string> missing;
    for (std::uint32_t i = 0; i < workers_.size(); ++i)
      if (!workers_[i].role) missing.push_back(name_of(false, i));
    if (!collector_.role) missing.push_back(name_of(true, 0));
    if (cfg_.on_fail)
      cfg_.on_fail(
          {errc::timeout, fmt::format("waited {} s for {} worker{} and the collector; "
                                      "missing: {}",
                                      cfg_.wait.count() / 1000.0, workers_.size(),
                                      workers_.size() == 1 ? "" : "s", fmt::join(missing, ", "))});
  }

  caf::result<bool> on_bye(std::uint8_t code, const std::string& text) {
    ended_ = true;
    for (auto* s : slots()) {
      if (!s->agent || s->lost) continue;
      if (code == 0) {
        trace_startup(cfg_.trace, engine::trace_type::stop, engine::trace_direction::sent, me(),
                      peer_of(*s), bytes_of_stop(text), engine::trace_now_ns());
        send(s->agent, protocols::stop{text});
      } else {
        send(s->agent, fail_atom::value, code, text);
      }
      waiting_.insert(s->agent.address());
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
    auto [s, collector, i] = find(m.source);
    if (s == nullptr) return;
    if (!started_ && !ended_) {
      say(fmt::format("{} from {} left before the start ({}); waiting for another",
                      name_of(collector, i), s->origin, caf::to_string(m.reason)));
      *s = slot{};
      return;
    }
    const bool agent = m.source == s->agent.address();
    // The supervisor shuts every node's actor down at the run's end: no loss, the node's agent
    // is still there to be told how the run ended.
    if (!agent && m.reason == caf::exit_reason::user_shutdown) return;
    if (s->lost) return;
    s->lost = true;  // no goodbye for this node: nobody would acknowledge it
    if (waiting_.count(s->agent.address()) > 0) return acknowledged(s->agent.address());
    // The collector reaches a worker node only through this node and would not see it die:
    // tell it the worker is done, as the worker itself would have.
    if (!collector && !ended_ && collector_.role)
      send(collector_.role, done_atom::value, engine::worker_report{i, 0});
  }

  // The slot whose agent or role `a` is (nullptr if none), whether it is the collector's, and
  // the worker index.
  std::tuple<slot*, bool, std::uint32_t> find(const caf::actor_addr& a) {
    if (!a) return {nullptr, false, 0};
    for (std::uint32_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].agent.address() == a || workers_[i].role.address() == a)
        return {&workers_[i], false, i};
    if (collector_.agent.address() == a || collector_.role.address() == a)
      return {&collector_, true, 0};
    return {nullptr, false, 0};
  }

  std::vector<slot*> slots() {
    std::vector<slot*> out;
    for (auto& w : workers_) out.push_back(&w);
    out.push_back(&collector_);
    return out;
  }

  engine::trace_actor peer_of(const slot& s) const {
    if (&s == &collector_) return {engine::trace_role::collector, 0};
    return {engine::trace_role::worker, static_cast<std::uint32_t>(&s - workers_.data())};
  }

  static engine::trace_actor me() { return {engine::trace_role::master, 0}; }
  void say(const std::string& line) const {
    if (cfg_.say) cfg_.say(line);
  }

  gate_config cfg_;
  std::vector<slot> workers_;
  slot collector_;
  std::set<caf::actor_addr> waiting_;  ///< agents yet to acknowledge the end
  std::optional<caf::response_promise> bye_;
  bool started_ = false;
  bool ended_ = false;
};

}  // namespace

caf::actor spawn_gate(caf::actor_system& sys, gate_config cfg) {
  return sys.spawn<gate>(std::move(cfg));
}

}  // namespace sgmc::actors::detail
