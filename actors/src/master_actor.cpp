// The master shard actor. Version delays (engine::injector::delays_versions) are served from a
// short history of the shard's θ slice (engine/version_history.hpp): after every event that moved
// the version the actor keeps a copy of the slice, and a params answer at version v with drawn
// delay k is served from the newest kept copy at version <= v − k.
//
// With a collector buffer (sgmc node), every sample the shard sends to the collector is kept
// until the collector acknowledges its draw (protocols::draws_ack: the draws durably written,
// per chain). When the collector is lost the shard keeps sampling into the buffer, and when a
// collector rejoins (collector_atom from the supervisor, with the draws the new one holds) it
// resends every kept sample the new one lacks, in order. A full buffer makes the shard wait:
// it takes only acknowledgements and rejoins until there is room again.
#include "peer_actor.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/version_history.hpp"

#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <utility>

namespace sgmc::actors {
namespace {

using protocols::endpoint;

// (checkpoint_atom, u64 version): master shard 0 → the other shards of its master (one
// process): send your part of a checkpoint at this version.
using checkpoint_atom = caf::atom_constant<caf::atom("sgmc_ckpt")>;

class master_actor final : public detail::peer_actor {
 public:
  master_actor(caf::actor_config& cfg, actor_context ctx, master_actor_config mc)
      : peer_actor(cfg, std::move(ctx), protocols::master_shard(mc.shard), mc.shard),
        proto_(std::move(mc.protocol)),
        history_(inj_.history_depth()),
        progress_every_(std::max<std::uint64_t>(1, mc.progress_every)),
        checkpoint_every_(mc.checkpoint_every_s),
        last_checkpoint_(std::chrono::steady_clock::now()),
        checkpoint_version_(proto_->version()),
        computed_(std::move(mc.computed)),
        worker_chains_(mc.worker_chains),
        buffer_(mc.collector_buffer) {}

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    return startup();
  }

 private:
  void on_start() override {
    // Workers absent at the start (cluster.min_workers) are not waited for until they join.
    for (std::uint32_t i = 0; i < dir().workers.size(); ++i)
      if (!dir().workers[i])
        handle([&](protocols::outbox& out) { return proto_->on_worker_lost(i, out); },
               trace_clock(), protocols::worker_at(i));
    handle([this](protocols::outbox& out) { return proto_->start(out); }, trace_clock(), me_);
  }

  // Worker w's new actor (supervisor.cpp): the protocol takes it back from the current version.
  void on_rejoin(std::uint32_t w, caf::actor a, std::vector<std::string> data) {
    replace_worker(w, std::move(a), std::move(data));
    if (failed()) return;
    if (reported_) {  // the run is over here: the worker only needs to hear it
      std::vector<protocols::envelope> bye{{protocols::worker_at(w), protocols::stop{"done"}}};
      if (auto r = deliver(bye); !r) fail(r.error());
      return;
    }
    handle([&](protocols::outbox& out) { return proto_->on_worker_joined(w, out); }, trace_clock(),
           protocols::worker_at(w));
    if (!failed() && me_.index == 0)
      log(fmt::format("worker {} takes part again; carrying on with {}", w,
                      proto_->live_workers()));
  }

  caf::behavior running() override {
    return {
        [this](std::uint64_t id, const protocols::push& m) { on_push(m, id); },
        [this](std::uint64_t id, const protocols::pull& m) { on_pull(m, id); },
        [this](std::uint64_t id, const protocols::exchange& m) { on_exchange(m, id); },
        [this](std::uint64_t id, detail::remote<protocols::push>& r) {
          on_remote(r, [this, id](protocols::push& m) { on_push(m, id); });
        },
        [this](std::uint64_t id, detail::remote<protocols::exchange>& r) {
          on_remote(r, [this, id](protocols::exchange& m) { on_exchange(m, id); });
        },
        [this](rejoin_atom, std::uint32_t w, caf::actor a, std::vector<std::string> data) {
          on_rejoin(w, std::move(a), std::move(data));
        },
        [this](checkpoint_atom, protocols::version_t at) { on_checkpoint_at(at); },
        [this](const protocols::draws_ack& a) { on_ack(a); },
        [this](collector_atom, caf::actor& c, std::string& data, const protocols::draws_ack& a) {
          on_rejoin(std::move(c), std::move(data), a);
        },
    };
  }

  // Forgets the kept samples of draws the collector holds durably. Acks of a lost collector
  // that arrive late are as good: what it acknowledged was on disk.
  void on_ack(const protocols::draws_ack& a) {
    if (buffer_ == 0) return;
    for (std::size_t k = 0; k < a.draws.size(); ++k) {
      if (acked_.size() <= k) acked_.resize(k + 1, 0);
      acked_[k] = std::max(acked_[k], a.draws[k]);
    }
    std::erase_if(kept_, [&](const protocols::sample& m) {
      return m.chain < acked_.size() && m.draw < acked_[m.chain];
    });
    maybe_unblock();
  }

  // A collector rejoined, holding a.draws[k] draws of chain k. Draws it lacks that an earlier
  // collector acknowledged are lost for good: the run cannot go on.
  void on_rejoin(caf::actor c, std::string data, const protocols::draws_ack& a) {
    if (buffer_ == 0 || failed()) return;
    for (std::size_t k = 0; k < acked_.size(); ++k) {
      const auto have = k < a.draws.size() ? a.draws[k] : 0;
      if (have < acked_[k])
        return fail({errc::protocol,
                     fmt::format("master shard {}: the collector that rejoined holds {} draws of "
                                 "chain {}, but {} were acknowledged (was it started on another "
                                 "--out?)",
                                 me_.index, have, k, acked_[k])});
    }
    replace_collector(std::move(c), std::move(data));
    collector_away_ = false;
    // Every kept sample goes again, also those the new collector holds but nobody acknowledged
    // (written just before the loss): it drops what it has, by draw id.
    std::vector<protocols::envelope> resend;
    for (const auto& m : kept_) resend.push_back({protocols::collector(), m});
    if (!resend.empty() && me_.index == 0)
      log(fmt::format("resending {} samples to the collector", resend.size()));
    if (auto r = deliver(resend); !r) return fail(r.error());
    if (reported_) send_ordered(protocols::collector(), done_atom::value, report_);
  }

  // Keeps every sample of this outbox until it is acknowledged; while the collector is away
  // they stay here instead of going out.
  void keep_samples() {
    if (buffer_ == 0) return;
    for (const auto& env : out_.send)
      if (const auto* m = std::get_if<protocols::sample>(&env.msg)) kept_.push_back(*m);
    if (collector_away_)
      std::erase_if(out_.send, [](const protocols::envelope& env) {
        return env.to.who == endpoint::role::collector;
      });
  }

  // A full buffer: take nothing but acknowledgements and rejoins (everything else waits in the
  // mailbox, in order) until there is room.
  void maybe_block() {
    if (buffer_ == 0 || blocked_ || kept_.size() < buffer_ || failed()) return;
    blocked_ = true;
    set_default_handler(caf::skip);
    become(caf::keep_behavior, caf::behavior{
                                   [this](const protocols::draws_ack& a) { on_ack(a); },
                                   [this](collector_atom, caf::actor& c, std::string& data,
                                          const protocols::draws_ack& a) {
                                     on_rejoin(std::move(c), std::move(data), a);
                                   },
                               });
  }

  void maybe_unblock() {
    if (!blocked_ || kept_.size() >= buffer_) return;
    blocked_ = false;
    unbecome();
    drop_unexpected();
  }

  // Each handler reads the trace clock once on arrival (the received record and the start of
  // an apply span) and once after the protocol event, if it applied or sends anything.
  void on_push(const protocols::push& m, std::uint64_t id) {
    if (computed_.size() <= m.worker) computed_.resize(m.worker + 1, 0);
    computed_[m.worker] = std::max(computed_[m.worker], m.seq + 1);
    const auto t0 = trace_clock();
    auto in = received(m, id, t0);
    handle([&](protocols::outbox& out) { return proto_->on_push(m, out); }, t0,
           protocols::worker_at(m.worker), in);
  }

  void on_pull(const protocols::pull& m, std::uint64_t id) {
    const auto t0 = trace_clock();
    auto in = received(m, id, t0);
    handle([&](protocols::outbox& out) { return proto_->on_pull(m, out); }, t0,
           protocols::worker_at(m.worker), in);
  }

  void on_exchange(const protocols::exchange& m, std::uint64_t id) {
    const auto t0 = trace_clock();
    auto in = received(m, id, t0);
    handle([&](protocols::outbox& out) { return proto_->on_exchange(m, out); }, t0,
           protocols::worker_at(m.worker), in);
  }

  // The trace record of a received push/pull/exchange, taken on arrival (none without a trace).
  template <class Msg>
  std::optional<engine::trace_event> received(const Msg& m, std::uint64_t id, std::uint64_t t0) {
    if (!tracing()) return std::nullopt;
    return received_event(m, protocols::worker_at(m.worker), id, t0);
  }

  // Runs one protocol event (begun at t0 on the trace clock, on behalf of `from`) and carries
  // out its outbox. Once finished (or failed) the shard takes no more events: late pushes of a
  // run that is over are dropped. Traces, in this order: the received message `in` with the
  // staleness its application recorded, the apply span if the event moved the version, the
  // messages it sends.
  template <class Event>
  void handle(Event&& event, std::uint64_t t0, const endpoint& from,
              std::optional<engine::trace_event>& in) {
    out_.clear();
    if (failed() || reported_) {
      if (in) trace(*in);  // received, not applied (staleness −1)
      return;
    }
    const auto v0 = proto_->version();
    if (auto r = event(out_); !r) {
      if (in) trace(*in);
      return fail(r.error());
    }
    std::uint64_t t1 = 0;
    if (tracing()) {
      record_applied_waiting();
      if (in) record_received(*in, from);
      const auto v = proto_->version();
      if (v != v0 || !out_.send.empty()) t1 = trace_clock();
      if (v != v0) trace_span(engine::trace_type::apply, t0, t1, from, v);
    }
    carry_out(t1);
  }
  // A received push or exchange is traced with the staleness its application recorded. One
  // that waits to be applied (sync: until its round is complete) is traced once it is, so that
  // the trace's applied pushes are the run report's; one still waiting at the end is traced as
  // not applied (staleness −1).
  void record_received(engine::trace_event& in, const endpoint& from) {
    if (in.type == engine::trace_type::push || in.type == engine::trace_type::exchange) {
      for (const auto& r : out_.rejected)
        if (r.worker == from.index) return trace(in);  // rejected: staleness −1
      bool applied = false;
      for (const auto& a : out_.applied)
        if (a.worker == from.index) {
          in.staleness = static_cast<std::int64_t>(a.staleness());
          applied = true;
        }
      if (!applied && !out_.finished && !proto_->finished()) {
        waiting_.push_back(in);
        return;
      }
    }
    trace(in);
  }

  // Traces the waiting pushes the last event applied.
  void record_applied_waiting() {
    if (waiting_.empty() || out_.applied.empty()) return;
    std::erase_if(waiting_, [&](engine::trace_event& w) {
      for (const auto& a : out_.applied)
        if (a.worker == w.peer.index) {
          w.staleness = static_cast<std::int64_t>(a.staleness());
          trace(w);
          return true;
        }
      return false;
    });
  }

  template <class Event>
  void handle(Event&& event, std::uint64_t t0, const endpoint& from) {
    std::optional<engine::trace_event> none;
    handle(std::forward<Event>(event), t0, from, none);
  }

  // One logged line per rejected push, up to kLoggedRejections per shard; the rest are counted
  // (the run report's "rejected" and the trace's receive records with staleness −1).
  void log_rejections() {
    for (const auto& r : out_.rejected) {
      if (++rejections_ <= kLoggedRejections)
        log(fmt::format("rejected ({}): {}", protocols::to_string(r.reason), r.detail));
      if (rejections_ == kLoggedRejections)
        log(fmt::format("master shard {}: further rejections are only counted", me_.index));
    }
  }

  void carry_out(std::uint64_t t_ns) {
    log_rejections();
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
    keep_samples();
    if (auto r = deliver(out_.send, t_ns); !r) return fail(r.error());
    maybe_block();
    maybe_checkpoint(v);
    if (v >= last_progress_ + progress_every_ || !progressed_) {
      progressed_ = true;
      last_progress_ = v;
      send(ctx_.supervisor, progress_atom::value, me_.index, v);
    }
    if ((out_.finished || proto_->finished()) && !reported_) {
      reported_ = true;
      const auto rejected = proto_->rejected();
      engine::shard_report r{me_.index, v, stats_, applied_, {rejected.begin(), rejected.end()}};
      send(ctx_.supervisor, done_atom::value, r);
      report_ = r;
      if (!collector_away_) send_ordered(protocols::collector(), done_atom::value, std::move(r));
      for (const auto& w : waiting_) trace(w);  // never applied
      waiting_.clear();
    }
  }

  // A checkpoint request only right after an event that moved the version: then no push waits
  // in a sync barrier, and the samples of the version are already on their way to the collector.
  // Shard 0 keeps the time. A sharded master checkpoints at the next version, v + 1: in sync no
  // shard can be past it (a worker needs θ_{v+1} of every shard before it pushes for v + 2), and
  // each shard sends its part right after reaching it. The other shards hear of it before any
  // message that follows from shard 0's next step (one process: mailboxes are filled in order).
  void maybe_checkpoint(protocols::version_t v) {
    const bool moved = v != checkpoint_version_;
    checkpoint_version_ = v;
    if (checkpoint_every_ <= 0.0 || !moved || out_.finished || proto_->finished()) return;
    if (checkpoint_at_ && v >= *checkpoint_at_) {
      if (v == *checkpoint_at_) send_checkpoint();
      checkpoint_at_.reset();
      return;
    }
    if (me_.index != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_checkpoint_).count() < checkpoint_every_) return;
    last_checkpoint_ = now;
    const auto shards = static_cast<std::uint32_t>(dir().masters.size());
    if (shards <= 1) return send_checkpoint();
    checkpoint_at_ = v + 1;
    for (std::uint32_t k = 1; k < shards; ++k)
      send_ordered(protocols::master_shard(k), checkpoint_atom::value, v + 1);
  }

  // Shard 0's word: this shard's part at version `at` (now, if it is there).
  void on_checkpoint_at(protocols::version_t at) {
    if (checkpoint_every_ <= 0.0 || failed() || reported_ || proto_->finished()) return;
    const auto v = proto_->version();
    if (v == at) return send_checkpoint();
    if (v < at) checkpoint_at_ = at;  // past it: this cut is not written (never in sync)
  }

  void send_checkpoint() {
    engine::checkpoint_request r{proto_->save(), computed_, me_.index};
    r.computed.resize(std::max<std::size_t>(r.computed.size(), applied_.size()), 0);
    const auto id = r.state.version;
    send_ordered(protocols::collector(), std::move(r));
    // elastic: the workers' chains, cut after this request left (engine/checkpoint.hpp).
    if (!worker_chains_) return;
    for (std::uint32_t w = 0; w < dir().workers.size(); ++w)
      if (dir().workers[w]) send_ordered(protocols::worker_at(w), chain_atom::value, id);
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
    if (failed() || deliberate(m)) return;
    auto who = dir().find(m.source);
    // A finished shard still keeps its samples for a collector that rejoins.
    if (reported_ && !(who && who->who == endpoint::role::collector)) return;
    if (!who) return;
    if (who->who == endpoint::role::collector) {
      if (buffer_ > 0) {
        // The supervisor waits for a collector to rejoin (or ends the run); keep sampling.
        collector_away_ = true;
        return;
      }
      if (reported_) return;
      return fail({errc::protocol, fmt::format("master shard {}: the collector is gone ({})",
                                               me_.index, caf::to_string(m.reason))});
    }
    if (who->who != endpoint::role::worker) return;
    handle([&](protocols::outbox& out) { return proto_->on_worker_lost(who->index, out); },
           trace_clock(), *who);
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
  double checkpoint_every_;
  std::chrono::steady_clock::time_point last_checkpoint_;
  protocols::version_t checkpoint_version_;
  std::optional<protocols::version_t> checkpoint_at_;  // a sharded checkpoint's version
  std::vector<std::uint64_t> computed_;                // per worker: highest push seq + 1 seen
  bool worker_chains_;                                 // elastic: checkpoints ask the workers
  protocols::version_t last_progress_ = 0;
  bool progressed_ = false;
  bool reported_ = false;
  engine::shard_report report_;  // once reported_: resent after the samples to a new collector
  std::uint64_t buffer_;         // collector_buffer (0: keep nothing)
  std::deque<protocols::sample> kept_;  // sent, not yet acknowledged, in order
  std::vector<std::uint64_t> acked_;    // per chain: draws the collector holds durably
  bool collector_away_ = false;
  bool blocked_ = false;
  static constexpr std::uint64_t kLoggedRejections = 20;
  std::uint64_t rejections_ = 0;
};

}  // namespace

caf::actor spawn_master(caf::actor_system& sys, actor_context ctx, master_actor_config cfg) {
  return sys.spawn<master_actor>(std::move(ctx), std::move(cfg));
}

}  // namespace sgmc::actors
