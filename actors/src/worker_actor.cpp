// The worker actor. compute() runs on the actor's own thread when an outbox asks for it, as a
// message to itself (so that a stop or params arriving meanwhile is seen first). A straggler
// (factor f > 1) measures each compute() and holds its outbox for (f − 1) × that time with a
// delayed message to itself: the scheduler thread is never blocked.
#include "peer_actor.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/engine/run_report.hpp"

#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <utility>
#include <variant>

namespace sgmc::actors {
namespace {

using protocols::endpoint;

class worker_actor final : public detail::peer_actor {
 public:
  worker_actor(caf::actor_config& cfg, actor_context ctx, worker_actor_config wc,
               std::uint32_t rng_owner)
      : peer_actor(cfg, std::move(ctx), protocols::worker_at(wc.id), rng_owner),
        proto_(std::move(wc.protocol)),
        rejoins_(wc.rejoins),
        computed_(std::move(wc.computed)) {
    factor_ = inj_.straggler_factor(me_.index);
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    return startup();
  }

 private:
  void on_start() override {
    handle([this](protocols::outbox& out) { return proto_->start(out); });
  }

  void on_theta_reply(const protocols::theta_reply& m, std::uint64_t id) {
    trace_received(m, protocols::master_shard(m.shard), id, trace_clock());
    handle([&](protocols::outbox& out) { return proto_->on_theta_reply(m, out); });
  }

  caf::behavior running() override {
    return {
        [this](std::uint64_t id, const protocols::theta_reply& m) { on_theta_reply(m, id); },
        [this](std::uint64_t id, detail::remote<protocols::theta_reply>& r) {
          on_remote(r, [this, id](protocols::theta_reply& m) { on_theta_reply(m, id); });
        },
        [this](std::uint64_t id, const protocols::stop& m) {
          trace_received(m, sender_or(protocols::master_shard(0)), id, trace_clock());
          handle([&](protocols::outbox& out) { return proto_->on_stop(m, out); });
        },
        [this](compute_atom) { on_compute(); },
        [this](chain_atom, std::uint64_t id) { on_chain_request(id); },
        [this](flush_atom, std::uint64_t id) {
          if (id != held_id_ || !held_) return;
          auto out = std::move(*held_);
          held_.reset();
          carry_out(out);
          if (chain_request_) send_chain(*std::exchange(chain_request_, std::nullopt));
          if (compute_after_flush_) {
            compute_after_flush_ = false;
            send(this, compute_atom::value);
          }
        },
    };
  }

  template <class Event>
  void handle(Event&& event) {
    if (failed()) return;
    protocols::outbox out;
    if (auto r = event(out); !r) return fail(r.error());
    carry_out(out);
  }

  void on_compute() {
    if (failed() || orphaned_ || proto_->finished()) return;
    if (held_) {  // one held outbox at a time: compute again once it is out
      compute_after_flush_ = true;
      return;
    }
    protocols::outbox out;
    // The compute span: one clock reading at its start and one at its end, which is also when
    // its messages leave (unless a straggler holds them).
    const bool straggler = factor_ > 1.0;
    const auto t0 =
        straggler ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const auto s0 = trace_clock();
    if (auto r = proto_->compute(out); !r) return fail(r.error());
    if (computed_) computed_->store(proto_->computed(), std::memory_order_relaxed);
    std::uint64_t s1 = 0;
    if (tracing()) {
      s1 = trace_clock();
      trace_span(engine::trace_type::compute, s0, s1, me_, built_on(out));
    }
    if (!straggler) return carry_out(out, s1);
    const auto took = std::chrono::steady_clock::now() - t0;
    const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(took * (factor_ - 1.0));
    held_ = std::move(out);
    delayed_send(this, wait, flush_atom::value, ++held_id_);
  }

  // A checkpoint's cut of this worker's chain (elastic), between two computes. A straggler's
  // held outbox holds samples of steps the chain has already taken: the cut waits until they
  // are out, so every draw before it reaches the collector first.
  void on_chain_request(std::uint64_t id) {
    if (failed()) return;
    if (held_) {
      chain_request_ = id;
      return;
    }
    send_chain(id);
  }

  void send_chain(std::uint64_t id) {
    send_ordered(protocols::collector(), engine::chain_part{id, me_.index, proto_->save_chain()});
  }

  // The version a compute built on: that of the push or exchange it sends (0 if none).
  static std::uint64_t built_on(const protocols::outbox& out) {
    for (const auto& env : out.send) {
      if (const auto* p = std::get_if<protocols::push>(&env.msg)) return p->version;
      if (const auto* x = std::get_if<protocols::exchange>(&env.msg)) return x->version;
    }
    return 0;
  }

  void carry_out(protocols::outbox& out, std::uint64_t t_ns = 0) {
    if (auto r = deliver(out.send, t_ns); !r) return fail(r.error());
    if (out.compute && !proto_->finished()) send(this, compute_atom::value);
    if ((out.finished || proto_->finished()) && !reported_ && !held_) {
      reported_ = true;
      engine::worker_report r{me_.index, proto_->computed()};
      send(ctx_.supervisor, done_atom::value, r);
      send_ordered(protocols::collector(), done_atom::value, std::move(r));
    }
  }

  void on_down(caf::down_msg& m) {
    note_down(m);
    if (failed() || reported_ || deliberate(m)) return;
    auto who = dir().find(m.source);
    if (!who || who->who != endpoint::role::master) return;
    if (rejoins_) {  // the node connects again and starts a new worker actor
      orphaned_ = true;
      return;
    }
    fail({errc::protocol, fmt::format("worker {}: master shard {} is gone ({})", me_.index,
                                      who->index, caf::to_string(m.reason))});
  }

  std::unique_ptr<protocols::worker> proto_;
  double factor_ = 1.0;
  std::optional<protocols::outbox> held_;  // a straggler's outbox, waiting for its flush
  std::uint64_t held_id_ = 0;
  bool compute_after_flush_ = false;
  std::optional<std::uint64_t> chain_request_;  // a chain request waiting for a held outbox
  bool reported_ = false;
  bool rejoins_ = false;
  bool orphaned_ = false;  // a master is lost and this worker waits to be replaced
  std::shared_ptr<std::atomic<std::uint64_t>> computed_;
};

}  // namespace

caf::actor spawn_worker(caf::actor_system& sys, actor_context ctx, worker_actor_config cfg,
                        std::uint32_t rng_owner) {
  return sys.spawn<worker_actor>(std::move(ctx), std::move(cfg), rng_owner);
}

}  // namespace sgmc::actors
