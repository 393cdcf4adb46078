#pragma once
// A deterministic in-memory driver of the protocol objects: it owns S master shards, W workers
// and a collector, and carries out their outboxes through one FIFO queue of events (messages,
// and "compute" events when a worker's outbox asks for one). Nothing runs unless its user calls
// step()/run()/deliver(), so every interleaving is scripted or FIFO. The protocol tests script
// it; it is also the seed of a discrete-event simulator (the same events, in virtual time).
//
// Levers for staleness and faults, all in the driver (never in a protocol):
//  * hold(i) / release(i): events from worker i (its messages and its computes) stay queued;
//    the other events overtake them (a straggler, or a slow link).
//  * params_lag = K: every params delivered to a worker is replaced by the params its shard sent
//    for version max(0, v − K) (from a history of what the shard sent): the worker computes on
//    θ K versions old, so its pushes carry K more versions of staleness (as the actors' fixed
//    delay in versions does).
//  * lose(i): worker i is gone: its queued events are dropped and every shard is told.
#include "sgmc/engine/version_history.hpp"
#include "sgmc/protocols/collector.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace sgmc::engine {

struct protocol_driver_config {
  protocols::protocol_params protocol;
  protocols::run_length run;
  samplers::sampler_params sampler;  ///< the masters' kernels (sync/async/ssp), workers' (others)
  std::vector<float> theta0;
  std::size_t batch_size = 1;
  /// One gradient source per worker (the driver owns them).
  std::function<std::unique_ptr<samplers::gradient_source>(protocols::worker_id)> source;
  std::size_t data_size = 0;  ///< N, for worker_rows (0: data-free)
  /// Called with every complete draw; when empty the driver keeps them (draws()).
  std::function<void(const protocols::draw&)> on_draw;
};

struct driver_event {
  protocols::endpoint from;
  bool compute = false;  ///< a worker's compute (from is the worker); else `env` is delivered
  protocols::envelope env;
};

class protocol_driver {
 public:
  static expected<std::unique_ptr<protocol_driver>> make(protocol_driver_config cfg);

  /// start() of every shard, then of every worker (in index order).
  expected<void> start();
  /// Runs the first event not held; false when there is none.
  expected<bool> step();
  /// step() until nothing is left to run (or max_events, an error: a livelock).
  expected<void> run(std::size_t max_events = 100'000'000);
  /// Runs pending()[index].
  expected<void> deliver(std::size_t index);
  /// Runs the first pending event for which pred holds; false when there is none.
  expected<bool> deliver_first(const std::function<bool(const driver_event&)>& pred);

  void hold(protocols::worker_id w);
  void release(protocols::worker_id w);
  /// A resumed run: the collector's next draw of `chain` is `next` (protocols::collector::resume).
  void resume_draws(std::uint32_t chain, std::uint64_t next) { collector_.resume(chain, next); }
  void set_params_lag(protocols::version_t lag) { params_lag_ = lag; }
  expected<void> lose(protocols::worker_id w);

  const std::deque<driver_event>& pending() const { return queue_; }
  const std::vector<protocols::staleness_record>& applied() const { return applied_; }
  const std::vector<protocols::draw>& draws() const { return draws_; }
  protocols::master& master(protocols::shard_id k) { return *masters_[k]; }
  protocols::worker& worker(protocols::worker_id i) { return *workers_[i]; }
  /// The masters' θ (elastic: the centre), assembled from the shards.
  std::vector<float> theta() const;
  bool collector_stopped() const { return collector_stopped_; }
  /// Every shard finished.
  bool finished() const;

 private:
  explicit protocol_driver(protocol_driver_config cfg);
  expected<void> build();
  expected<void> run_event(driver_event e);
  expected<void> to_master(const protocols::message& m, protocols::outbox& out,
                           protocols::shard_id k);
  expected<void> to_worker(protocols::message m, protocols::outbox& out, protocols::worker_id i);
  expected<void> to_collector(const protocols::message& m);
  void take(const protocols::endpoint& from, protocols::outbox& out);
  bool is_held(const driver_event& e) const;

  protocol_driver_config cfg_;
  std::vector<std::unique_ptr<samplers::gradient_source>> sources_;
  std::vector<std::unique_ptr<protocols::master>> masters_;
  std::vector<std::unique_ptr<protocols::worker>> workers_;
  class protocols::collector collector_;  // `class`: protocols::collector() names its endpoint
  std::deque<driver_event> queue_;
  std::vector<bool> held_, lost_;
  protocols::version_t params_lag_ = 0;
  /// Per shard: what it sent, for params_lag (the last kLagHistory versions).
  static constexpr std::size_t kLagHistory = 4096;
  std::vector<version_history> history_;
  std::vector<protocols::staleness_record> applied_;
  std::vector<protocols::draw> draws_;
  std::vector<protocols::draw> ready_;
  bool collector_stopped_ = false;
};

}  // namespace sgmc::engine
