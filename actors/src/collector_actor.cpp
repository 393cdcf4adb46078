// The collector actor: assembles draws from their shard slices (protocols::collector) and hands
// complete ones to the sample sink. It is done when every master shard and every worker has
// said so (or is lost); masters send their done after their last sample on the same ordered
// link, so no sample can arrive after it.
//
// With acknowledgements (sgmc node): after handing draws on it syncs the sink (fdatasync) and
// tells every master shard the draws per chain now durable (protocols::draws_ack), every
// ack_every draws and otherwise within ack_interval. A master resends its unacknowledged
// samples to a collector that rejoins: samples of draws already handed on are dropped and
// counted, never written twice.
#include "peer_actor.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/protocols/collector.hpp"

#include <caf/system_messages.hpp>

#include "sgmc/actors/wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace sgmc::actors {
namespace {

using protocols::endpoint;

constexpr std::uint32_t kCollectorRngOwner = std::numeric_limits<std::uint32_t>::max();

/// The collector to itself: time to acknowledge what it handed on.
using ack_tick_atom = caf::atom_constant<caf::atom("sgmc_ackt")>;

class collector_actor final : public detail::peer_actor {
 public:
  collector_actor(caf::actor_config& cfg, actor_context ctx, collector_actor_config cc)
      : peer_actor(cfg, std::move(ctx), protocols::collector(), kCollectorRngOwner),
        coll_(cc.chains, cc.slices, cc.dim),
        sink_(cc.sink),
        checkpoints_(cc.checkpoints),
        masters_done_(cc.masters, false),
        workers_done_(cc.workers, false),
        ack_(cc.ack),
        ack_interval_(cc.ack_interval),
        ack_every_(std::max<std::uint64_t>(1, cc.ack_every)) {
    for (std::uint32_t k = 0; k < cc.first_draws.size() && k < cc.chains; ++k) {
      coll_.resume(k, cc.first_draws[k]);
      draws_ += cc.first_draws[k];
    }
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    return startup();
  }

  // Workers absent at the start (cluster.min_workers) are done until they join. The first
  // acknowledgement says what this collector holds (a rejoining one: what it kept).
  void on_start() override {
    for (std::size_t i = 0; i < dir().workers.size() && i < workers_done_.size(); ++i)
      if (!dir().workers[i]) workers_done_[i] = true;
    if (ack_) acknowledge();
  }

 private:
  caf::behavior running() override {
    return {
        [this](std::uint64_t id, const protocols::sample& m) {
          trace_received(m, sender_or(protocols::master_shard(m.shard)), id, trace_clock());
          on_sample(m);
        },
        [this](std::uint64_t id, detail::remote<protocols::sample>& r) {
          on_remote(r, [this, id](protocols::sample& m) {
            trace_received(m, sender_or(protocols::master_shard(m.shard)), id, trace_clock());
            on_sample(m);
          });
        },
        [this](std::uint64_t id, const protocols::stop& m) {
          // A master's last word after its last sample; its done report follows.
          trace_received(m, sender_or(protocols::master_shard(0)), id, trace_clock());
        },
        [this](const engine::checkpoint_request& r) { on_checkpoint(r); },
        [this](const engine::chain_part& p) {
          if (failed() || done_ || checkpoints_ == nullptr) return;
          if (auto ok = checkpoints_->write_chain(p); !ok) fail(ok.error());
        },
        [this](ack_tick_atom) {
          ack_scheduled_ = false;
          acknowledge();
        },
        [this](done_atom, const engine::shard_report& r) {
          if (r.shard < masters_done_.size()) masters_done_[r.shard] = true;
          check_done();
        },
        [this](done_atom, const engine::worker_report& r) {
          if (r.worker < workers_done_.size()) workers_done_[r.worker] = true;
          worker_ended(r.worker);
          check_done();
        },
        [this](rejoin_atom, std::uint32_t w, caf::actor a, std::vector<std::string> data) {
          // A worker back in the run (never in elastic, the one protocol whose workers send
          // samples): it sends the collector nothing, so it stays counted as done. Its done
          // report would also have to find a route from its node, which reconnected to the
          // master, to this one.
          replace_worker(w, std::move(a), std::move(data));
        },
    };
  }

  void on_sample(const protocols::sample& m) {
    if (failed() || done_) return;
    if (ack_ && m.chain < coll_.chains() && m.draw < coll_.delivered(m.chain)) {
      ++duplicates_;  // resent by a master after a rejoin: this draw is written already
      return;
    }
    ready_.clear();
    if (auto r = coll_.on_sample(m, ready_); !r) return fail(r.error());
    for (const auto& d : ready_) {
      if (auto r = sink_->on_draw(d); !r) return fail(r.error());
      ++draws_;
    }
    if (!ack_ || ready_.empty()) return;
    unacked_ += ready_.size();
    if (unacked_ >= ack_every_) return acknowledge();
    if (!ack_scheduled_) {
      ack_scheduled_ = true;
      delayed_send(this, ack_interval_, ack_tick_atom::value);
    }
  }

  // Makes the draws handed on durable, then tells every master shard.
  void acknowledge() {
    if (failed()) return;
    unacked_ = 0;
    if (auto r = sink_->sync(); !r) return fail(r.error());
    protocols::draws_ack a;
    for (std::uint32_t k = 0; k < coll_.chains(); ++k) a.draws.push_back(coll_.delivered(k));
    for (const auto& m : dir().masters)
      if (m) send(m, a);
  }

  // Every sample the master sent before its request has been handed to the sink (one ordered
  // link), so the output files hold the draws the checkpoint counts.
  void on_checkpoint(const engine::checkpoint_request& r) {
    if (failed() || done_ || checkpoints_ == nullptr) return;
    if (auto ok = checkpoints_->write(r); !ok) return fail(ok.error());
  }

  // An elastic checkpoint counts a worker that is done or lost as finished with the draws of
  // its chain handed on (its samples came before its report on the same link).
  void worker_ended(std::uint32_t w) {
    if (failed() || done_ || checkpoints_ == nullptr || !checkpoints_->worker_chains()) return;
    const auto draws = w < coll_.chains() ? coll_.delivered(w) : 0;
    if (auto ok = checkpoints_->worker_done(w, draws); !ok) fail(ok.error());
  }

  void check_done() {
    if (failed() || done_) return;
    auto all = [](const std::vector<bool>& v) {
      return std::all_of(v.begin(), v.end(), [](bool b) { return b; });
    };
    if (!all(masters_done_) || !all(workers_done_)) return;
    done_ = true;
    if (ack_) acknowledge();
    if (duplicates_ > 0)
      log(fmt::format("collector: dropped {} samples resent of draws it had written", duplicates_));
    if (auto n = coll_.pending(); n > 0)
      log(fmt::format("collector: {} incomplete draws left out (slices missing)", n));
    send(ctx_.supervisor, collected_atom::value, draws_);
  }

  void on_down(caf::down_msg& m) {
    note_down(m);
    if (failed() || done_ || deliberate(m)) return;
    auto who = dir().find(m.source);
    if (!who) return;
    if (who->who == endpoint::role::worker && who->index < workers_done_.size()) {
      workers_done_[who->index] = true;
      worker_ended(who->index);
      return check_done();
    }
    if (who->who == endpoint::role::master && who->index < masters_done_.size() &&
        !masters_done_[who->index])
      fail({errc::protocol, fmt::format("collector: master shard {} is gone ({})", who->index,
                                        caf::to_string(m.reason))});
  }

  // `class`: protocols::collector() is also the function naming the collector endpoint.
  class protocols::collector coll_;
  engine::sample_sink* sink_;
  const engine::checkpoint_writer* checkpoints_;
  std::vector<protocols::draw> ready_;
  std::vector<bool> masters_done_;
  std::vector<bool> workers_done_;
  std::uint64_t draws_ = 0;
  bool done_ = false;
  bool ack_;
  std::chrono::milliseconds ack_interval_;
  std::uint64_t ack_every_;
  std::uint64_t unacked_ = 0;     // draws handed on since the last acknowledgement
  std::uint64_t duplicates_ = 0;  // samples dropped: their draw was handed on already
  bool ack_scheduled_ = false;
};

}  // namespace

caf::actor spawn_collector(caf::actor_system& sys, actor_context ctx, collector_actor_config cfg) {
  return sys.spawn<collector_actor>(std::move(ctx), std::move(cfg));
}

}  // namespace sgmc::actors
