// The agent of a worker or collector node: says hello to the master's gate, spawns the node's
// actor once welcomed (with itself as that actor's supervisor), forwards the actor's reports to
// the master's supervisor, and ends the node: on the master's stop (success), on a failure of
// the run or of the local actor, or when the master is lost.
#include "node_agent.hpp"

#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/run_report.hpp"
#include "startup_trace.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <utility>

namespace sgmc::actors::detail {
namespace {

// After the run's end shut the local actor down, the master's stop should follow at once.
constexpr std::chrono::seconds kStopGrace{10};

class agent final : public caf::event_based_actor {
 public:
  agent(caf::actor_config& cfg, agent_config ac)
      : caf::event_based_actor(cfg), cfg_(std::move(ac)) {}

  // Releases every handle: actors holding each other's handles would keep each other alive.
  void on_exit() override {
    cfg_.gate = caf::actor{};
    role_.actor = caf::actor{};
    supervisor_ = caf::actor{};
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return caf::delegated<caf::message>{};
    });
    monitor(cfg_.gate);
    hello_t_ = engine::trace_now_ns();
    if (!cfg_.ids) cfg_.ids = std::make_shared<std::atomic<std::uint64_t>>(0);
    hello_id_ = cfg_.ids->fetch_add(1, std::memory_order_relaxed) + 1;
    send(cfg_.gate, hello_id_, cfg_.hello, cfg_.origin);
    delayed_send(this, cfg_.welcome_timeout, tick_atom::value);
    return {
        [this](std::uint64_t id, const protocols::welcome& w, const caf::actor& sup) {
          on_welcome(w, sup, id);
        },
        [this](fail_atom, std::uint8_t code, const std::string& text) { on_fail(code, text); },
        [this](std::uint64_t id, const protocols::stop& m) { on_stop(m, id); },
        [this](done_atom, const engine::worker_report& r) { forward(done_atom::value, r); },
        [this](done_atom, const engine::shard_report& r) { forward(done_atom::value, r); },
        [this](collected_atom, std::uint64_t n) { forward(collected_atom::value, n); },
        [this](progress_atom, std::uint32_t k, std::uint64_t v) {
          forward(progress_atom::value, k, v);
        },
        [this](tick_atom) { on_tick(); },
    };
  }

 private:
  template <class... Ts>
  void forward(Ts&&... xs) {
    if (supervisor_) send(supervisor_, std::forward<Ts>(xs)...);
  }

  void on_welcome(const protocols::welcome& w, const caf::actor& sup, std::uint64_t id) {
    if (role_.actor || ended_) return;
    const auto welcome_t = engine::trace_now_ns();  // on arrival: before the trace is opened
    auto started = cfg_.start_role(w, caf::actor_cast<caf::actor>(this));
    if (!started) return end(unexpected(started.error()));
    role_ = *started;
    supervisor_ = sup;
    monitor(role_.actor);
    const engine::trace_actor master{engine::trace_role::master, 0};
    trace_startup(role_.trace, engine::trace_type::hello, engine::trace_direction::sent, role_.me,
                  master, bytes_of_hello(cfg_.hello), hello_t_, hello_id_);
    trace_startup(role_.trace, engine::trace_type::welcome, engine::trace_direction::received,
                  role_.me, master, bytes_of_welcome(), welcome_t, id);
    send(cfg_.gate, join_atom::value, role_.actor);
  }

  void on_fail(std::uint8_t code, const std::string& text) {
    const auto e = static_cast<errc>(code);
    if (role_.actor &&
        caf::actor_cast<caf::actor_addr>(current_sender()) == role_.actor.address()) {
      // The local actor failed: the master's supervisor ends the run with it.
      forward(fail_atom::value, code, text);
      return end(unexpected(e, text));
    }
    if (!role_.actor)
      return end(unexpected(e, fmt::format("the master at {} refused this {}: {}", cfg_.master,
                                           cfg_.hello.role, text)));
    send(cfg_.gate, bye_atom::value);
    end(unexpected(e, fmt::format("the run failed: {}", text)));
  }

  void on_stop(const protocols::stop& m, std::uint64_t id) {
    trace_startup(role_.trace, engine::trace_type::stop, engine::trace_direction::received,
                  role_.me, {engine::trace_role::master, 0}, bytes_of_stop(m.reason),
                  engine::trace_now_ns(), id);
    send(cfg_.gate, bye_atom::value);
    end(m.reason);
  }

  void on_tick() {
    if (ended_) return;
    if (!role_.actor)
      return end(unexpected(
          errc::timeout,
          fmt::format("the master at {} did not welcome this {} within {:.1f} s", cfg_.master,
                      cfg_.hello.role, static_cast<double>(cfg_.welcome_timeout.count()) / 1e3)));
    if (role_down_ && clock().now() >= grace_end_)
      end(unexpected(errc::protocol,
                     fmt::format("the master at {} ended this {} without saying why", cfg_.master,
                                 cfg_.hello.role)));
  }

  void on_down(const caf::down_msg& m) {
    if (ended_) return;
    if (m.source == cfg_.gate.address()) {
      if (role_.actor && !role_down_ && cfg_.on_master_lost) cfg_.on_master_lost();
      return end(unexpected(errc::protocol, fmt::format("lost the master at {} ({})", cfg_.master,
                                                        caf::to_string(m.reason))));
    }
    if (!role_.actor || m.source != role_.actor.address()) return;
    if (m.reason == caf::exit_reason::user_shutdown) {
      // The master's supervisor ended the run; its stop (or failure) is on its way.
      role_down_ = true;
      grace_end_ = clock().now() + kStopGrace;
      delayed_send(this, kStopGrace, tick_atom::value);
      return;
    }
    end(unexpected(errc::protocol, fmt::format("this node's {} stopped ({})", cfg_.hello.role,
                                               caf::to_string(m.reason))));
  }

  void end(expected<std::string> result) {
    if (ended_) return;
    ended_ = true;
    if (cfg_.on_end) cfg_.on_end(std::move(result));
    quit();
  }

  agent_config cfg_;
  role_started role_;
  caf::actor supervisor_;
  std::uint64_t hello_t_ = 0;
  std::uint64_t hello_id_ = 0;
  caf::actor_clock::time_point grace_end_;
  bool role_down_ = false;
  bool ended_ = false;
};

}  // namespace

caf::actor spawn_agent(caf::actor_system& sys, agent_config cfg) {
  return sys.spawn<agent>(std::move(cfg));
}

}  // namespace sgmc::actors::detail
