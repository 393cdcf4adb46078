#pragma once
// The simulator's state and event handlers (simulator.hpp); split from simulator.cpp, which
// builds it and runs the loop.
#include "sgmc/engine/injector.hpp"
#include "sgmc/engine/version_history.hpp"
#include "sgmc/protocols/collector.hpp"
#include "sgmc/sim/network_model.hpp"
#include "sgmc/sim/simulator.hpp"

#include <deque>
#include <optional>
#include <vector>

namespace sgmc::sim {

struct sim_event {
  enum class kind : std::uint8_t { arrive, compute_done, service_done };
  kind what = kind::arrive;
  protocols::endpoint from;  ///< arrive: the sender; compute_done: the worker; service: shard
  protocols::envelope env;   ///< arrive: the message
  protocols::outbox out;     ///< compute_done, service_done: what leaves now
};

struct simulator::state {
  state(const engine::run_plan& plan, const engine::sim_params& sim, engine::sample_sink& sink,
        sim_options options, engine::run_parts parts);

  expected<void> start();
  expected<void> run_event(vtime t, sim_event& e);

  // Masters.
  expected<void> arrive_master(vtime t, const protocols::endpoint& from, protocols::envelope& env);
  expected<void> serve_next(vtime t, protocols::shard_id k);
  expected<void> handle_master(vtime t, protocols::shard_id k, const protocols::endpoint& from,
                               const protocols::message& msg, protocols::outbox& out);
  void master_sends(vtime t, protocols::shard_id k, protocols::outbox& out);
  // Workers.
  expected<void> arrive_worker(vtime t, const protocols::endpoint& from, protocols::envelope& env);
  void worker_sends(vtime t, protocols::worker_id w, protocols::outbox& out);
  expected<void> start_compute(vtime t, protocols::worker_id w);
  expected<void> compute_done(vtime t, protocols::worker_id w, protocols::outbox& out);
  // The collector.
  expected<void> arrive_collector(vtime t, const protocols::endpoint& from,
                                  const protocols::envelope& env);

  void send(vtime t, const protocols::endpoint& from, protocols::envelope& env);
  void trace(vtime t, const protocols::endpoint& me, const protocols::endpoint& peer,
             const protocols::message& msg, engine::trace_direction dir,
             std::int64_t staleness = -1);
  engine::run_report report(vtime end) const;

  engine::sim_params sim_;
  std::uint64_t seed_;  ///< the sim seed (sim.seed, or the run's)
  engine::sample_sink& sink_;
  sim_options opt_;
  engine::run_parts parts_;
  class protocols::collector collector_;  // `class`: protocols::collector() names an endpoint
  network_model net_;
  event_queue<sim_event> queue_;
  std::vector<double> straggler_;             ///< per worker: compute-time factor
  std::vector<std::uint8_t> busy_, pending_;  ///< per worker: computing; a compute asked meanwhile
  // Master shards.
  bool instant_service_;
  std::vector<std::deque<std::pair<protocols::endpoint, protocols::envelope>>> inbox_;
  std::vector<std::uint8_t> serving_;
  std::vector<std::uint64_t> served_;            ///< service draw counters
  std::vector<engine::injector> version_delay_;  ///< per shard, when versions are delayed
  std::vector<engine::version_history> history_;
  // Accounts.
  engine::staleness_stats stats_;
  std::vector<protocols::staleness_record> applied_;
  std::vector<protocols::draw> ready_;
  std::uint64_t draws_ = 0, events_ = 0, messages_ = 0;
  std::uint64_t last_progress_ = 0;
  bool collector_stopped_ = false;
};

}  // namespace sgmc::sim
