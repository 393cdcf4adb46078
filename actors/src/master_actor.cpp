// The master shard actor. Version delays (engine::injector::delays_versions) are served from a
// short history of the shard's θ slice (engine/version_history.hpp): after every event that moved
// the version the actor keeps a copy of the slice, and a params answer at version v with drawn
// delay k is served from the newest kept copy at version <= v − k.
#include "peer_actor.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/version_history.hpp"

#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <optional>
#include <utility>
#include <vector>

namespace sgmc::actors {
namespace {

using protocols::endpoint;

class master_actor final : public detail::peer_actor {
 public:
  master_actor(caf::actor_config& cfg, actor_context ctx, master_actor_config mc)
      : peer_actor(cfg, std::move(ctx), protocols::master_shard(mc.shard), mc.shard),
        proto_(std::move(mc.protocol)),
        history_(inj_.history_depth()),
        progress_every_(std::max<std::uint64_t>(1, mc.progress_every)) {}

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    return startup();
  }

 private:
  void on_start() override {
    handle([this](protocols::outbox& out) { return proto_->start(out); });
  }

  caf::behavior running() override {
    return {
        [this](const protocols::push& m) { on_push(m); },
        [this](const protocols::pull& m) {
          auto e = received(m);
          handle([&](protocols::outbox& out) { return proto_->on_pull(m, out); });
          record(e, m.worker);
        },
        [this](const protocols::exchange& m) { on_exchange(m); },
        [this](detail::remote<protocols::push>& r) {
          on_remote(r, [this](protocols::push& m) { on_push(m); });
        },
        [this](detail::remote<protocols::exchange>& r) {
          on_remote(r, [this](protocols::exchange& m) { on_exchange(m); });
        },
    };
  }

  void on_push(const protocols::push& m) {
    auto e = received(m);
    handle([&](protocols::outbox& out) { return proto_->on_push(m, out); });
    record(e, m.worker);
  }

  void on_exchange(const protocols::exchange& m) {
    auto e = received(m);
    handle([&](protocols::outbox& out) { return proto_->on_exchange(m, out); });
    record(e, m.worker);
  }

  // The trace record of a received push/pull/exchange, taken on arrival (none without a trace).
  template <class Msg>
  std::optional<engine::trace_event> received(const Msg& m) {
    if (ctx_.trace == nullptr) return std::nullopt;
    const auto peer = sender_endpoint().value_or(protocols::worker_at(m.worker));
    return engine::make_event(m, engine::to_trace_actor(me_), engine::to_trace_actor(peer),
                              engine::trace_direction::received);
  }

  // Records it with the staleness its application recorded. A push that waits to be applied
  // (sync: until the round is complete) is recorded once it is, with its staleness, so that the
  // trace's applied pushes are the run report's; one still waiting at the end is recorded as
  // not applied (staleness −1).
  void record(std::optional<engine::trace_event>& e, protocols::worker_id worker) {
    if (!e) return;
    record_applied_waiting();
    const bool update =
        e->type == engine::trace_type::push || e->type == engine::trace_type::exchange;
    if (update) {
      bool applied = false;
      for (const auto& a : out_.applied)
        if (a.worker == worker) {
          e->staleness = static_cast<std::int64_t>(a.staleness());
          applied = true;
        }
      if (!applied && !reported_ && !failed()) {
        waiting_.push_back(*e);
        return;
      }
    }
    ctx_.trace->record(*e);
    if (reported_ || failed()) {
      for (const auto& w : waiting_) ctx_.trace->record(w);
      waiting_.clear();
    }
  }

  // Records the waiting pushes the last event applied.
  void record_applied_waiting() {
    if (waiting_.empty() || out_.applied.empty()) return;
    std::erase_if(waiting_, [&](engine::trace_event& w) {
      for (const auto& a : out_.applied)
        if (a.worker == w.peer.index) {
          w.staleness = static_cast<std::int64_t>(a.staleness());
          ctx_.trace->record(w);
          return true;
        }
      return false;
    });
  }

  // Runs one protocol event and carries out its outbox. Once finished (or failed) the shard
  // takes no more events: late pushes of a run that is over are dropped.
  template <class Event>
  void handle(Event&& event) {
    out_.clear();
    if (failed() || reported_) return;
    if (auto r = event(out_); !r) return fail(r.error());
    carry_out();
  }

  void carry_out() {
    record_applied_waiting();
    for (const auto& a : out_.applied) {
      stats_.add(a.staleness());
      if (applied_.size() <= a.worker) applied_.resize(a.worker + 1, 0);
      ++applied_[a.worker];
    }
    const auto v = proto_->version();
    if (inj_.delays_versions()) {
      snapshot(v);
      serve_old_versions();
    }
    if (auto r = deliver(out_.send); !r) return fail(r.error());
    if (v >= last_progress_ + progress_every_ || !progressed_) {
      progressed_ = true;
      last_progress_ = v;
      send(ctx_.supervisor, progress_atom::value, me_.index, v);
    }
    if ((out_.finished || proto_->finished()) && !reported_) {
      reported_ = true;
      engine::shard_report r{me_.index, v, stats_, applied_};
      send(ctx_.supervisor, done_atom::value, r);
      send_ordered(protocols::collector(), done_atom::value, std::move(r));
      for (const auto& w : waiting_) ctx_.trace->record(w);  // never applied
      waiting_.clear();
    }
  }

  void snapshot(protocols::version_t v) { history_.keep(v, proto_->theta()); }

  void serve_old_versions() {
    for (auto& env : out_.send) {
      auto* p = std::get_if<protocols::theta_reply>(&env.msg);
      if (p == nullptr || env.to.who != endpoint::role::worker) continue;
      history_.serve(*p, inj_.next_version_delay());
    }
  }

  void on_down(caf::down_msg& m) {
    note_down(m);
    if (failed() || reported_ || deliberate(m)) return;
    auto who = dir().find(m.source);
    if (!who) return;
    if (who->who == endpoint::role::collector) {
      return fail({errc::protocol, fmt::format("master shard {}: the collector is gone ({})",
                                               me_.index, caf::to_string(m.reason))});
    }
    if (who->who != endpoint::role::worker) return;
    handle([&](protocols::outbox& out) { return proto_->on_worker_lost(who->index, out); });
    if (failed() || reported_) return;
    const auto live = proto_->live_workers();
    if (me_.index == 0) log(fmt::format("worker {} lost; carrying on with {}", who->index, live));
    if (live == 0)
      fail({errc::protocol, fmt::format("master shard {}: every worker is lost", me_.index)});
  }

  std::unique_ptr<protocols::master> proto_;
  protocols::outbox out_;
  engine::staleness_stats stats_;
  std::vector<std::uint64_t> applied_;        // updates applied per worker
  std::vector<engine::trace_event> waiting_;  // received pushes not yet applied (sync)
  engine::version_history history_;
  std::uint64_t progress_every_;
  protocols::version_t last_progress_ = 0;
  bool progressed_ = false;
  bool reported_ = false;
};

}  // namespace

caf::actor spawn_master(caf::actor_system& sys, actor_context ctx, master_actor_config cfg) {
  return sys.spawn<master_actor>(std::move(ctx), std::move(cfg));
}

}  // namespace sgmc::actors
