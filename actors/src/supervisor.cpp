#include "sgmc/actors/supervisor.hpp"

#include "sgmc/actors/wire.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace sgmc::actors {
namespace {

/// The supervisor to itself: the wait for a collector to rejoin (its number) is over.
using collector_wait_atom = caf::atom_constant<caf::atom("sgmc_cwait")>;

class supervisor final : public caf::event_based_actor {
 public:
  supervisor(caf::actor_config& cfg, supervisor_config sc)
      : caf::event_based_actor(cfg),
        cfg_(std::move(sc)),
        shards_(cfg_.shards),
        workers_(cfg_.workers),
        lost_(cfg_.workers, false),
        absent_(cfg_.workers, false) {}

  // Whatever ends this actor (an exception, the system shutting down) ends the run: nobody
  // waits forever on on_result.
  void on_exit() override {
    dir_ = directory{};  // no handles kept past the run (actors referring to each other)
    if (finished_) return;
    finished_ = true;
    if (cfg_.on_result)
      cfg_.on_result(unexpected(errc::protocol, "the run's supervisor stopped before the end"));
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](caf::down_msg& m) { on_down(m); });
    return {
        [this](init_atom, std::vector<caf::actor> m, std::vector<caf::actor> w, caf::actor c,
               std::vector<std::string> data) {
          on_init(std::move(m), std::move(w), std::move(c), std::move(data));
        },
        [this](progress_atom, std::uint32_t shard, std::uint64_t version) {
          note_progress();
          if (shard < versions_.size()) versions_[shard] = version;
          if (cfg_.on_progress) cfg_.on_progress(shard, version);
        },
        [this](done_atom, const engine::shard_report& r) {
          note_progress();
          if (r.shard < shards_.size()) shards_[r.shard] = r;
          try_finish();
        },
        [this](done_atom, const engine::worker_report& r) {
          note_progress();
          // The workers still send theirs to the collector they started with: a collector that
          // rejoined hears it from here.
          if (rejoined_ && !away_ && dir_.collector) send(dir_.collector, done_atom::value, r);
          if (r.worker < workers_.size()) workers_[r.worker] = r;
          try_finish();
        },
        [this](collected_atom, std::uint64_t draws) {
          draws_ = draws;
          try_finish();
        },
        [this](fail_atom, std::uint8_t code, const std::string& message) {
          finish(unexpected(static_cast<errc>(code), message));
        },
        [this](rejoin_atom, std::uint32_t w, caf::actor a, std::vector<std::string> data) {
          on_rejoin(w, std::move(a), std::move(data));
        },
        [this](tick_atom) { on_tick(); },
        [this](collector_atom, caf::actor& c, std::string& data, protocols::draws_ack& a) {
          on_rejoin(std::move(c), std::move(data), std::move(a));
        },
        [this](collector_wait_atom, std::uint64_t n) {
          if (finished_ || !away_ || n != losses_) return;
          finish(unexpected(errc::protocol,
                            fmt::format("the collector is gone ({}) and none rejoined within "
                                        "{:.1f} s",
                                        away_why_, cfg_.collector_wait.count() / 1e3)));
        },
    };
  }

 private:
  // `data`: the data channel endpoints of a `sgmc node` run, handed on with the directory.
  void on_init(std::vector<caf::actor> m, std::vector<caf::actor> w, caf::actor c,
               std::vector<std::string> data) {
    dir_ = directory{std::move(m), std::move(w), std::move(c)};
    dir_.index();
    data_ = std::move(data);
    versions_.assign(dir_.masters.size(), 0);
    started_ = std::chrono::steady_clock::now();
    note_progress();
    // A worker absent at the start (cluster.min_workers) counts as lost until it joins.
    for (std::size_t i = 0; i < dir_.workers.size() && i < lost_.size(); ++i)
      if (!dir_.workers[i]) lost_[i] = absent_[i] = true;
    auto init = [&](const caf::actor& a) {
      if (!a) return;
      monitor(a);
      send(a, init_atom::value, dir_.masters, dir_.workers, dir_.collector, data_);
    };
    for (const auto& a : dir_.masters) init(a);
    init(dir_.collector);
    for (const auto& a : dir_.workers) init(a);
    schedule_tick();
  }

  // Worker w's new actor in a run under way (node_gate.cpp): the masters and the collector
  // learn of it first, then it gets the directory (its first pull finds the masters ready).
  void on_rejoin(std::uint32_t w, caf::actor a, std::vector<std::string> data) {
    if (finished_ || !a || w >= workers_.size() || w >= dir_.workers.size()) return;
    note_progress();
    const bool rejoin = !absent_[w];
    absent_[w] = false;
    lost_[w] = false;
    workers_[w].reset();
    dir_.workers[w] = a;
    dir_.index();
    if (!data.empty()) data_ = std::move(data);
    record(w, rejoin ? engine::membership_event::kind::rejoined
                     : engine::membership_event::kind::joined);
    monitor(a);
    for (const auto& m : dir_.masters) send(m, rejoin_atom::value, w, a, data_);
    if (dir_.collector) send(dir_.collector, rejoin_atom::value, w, a, data_);
    send(a, init_atom::value, dir_.masters, dir_.workers, dir_.collector, data_);
  }

  void record(std::uint32_t w, engine::membership_event::kind what) {
    const auto at = std::chrono::steady_clock::now() - started_;
    membership_.push_back({w, what, std::chrono::duration<double>(at).count()});
  }

  // A collector rejoined: the directory to it, then what it would have heard from the workers
  // that are done or lost; then the masters resend what it lacks.
  void on_rejoin(caf::actor c, std::string data, protocols::draws_ack a) {
    if (finished_ || !away_ || !c) return;
    away_ = false;
    rejoined_ = true;
    note_progress();
    dir_.collector = c;
    dir_.index();
    monitor(c);
    if (!data_.empty()) data_.back() = data;
    send(c, init_atom::value, dir_.masters, dir_.workers, c, data_);
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i])
        send(c, done_atom::value, *workers_[i]);
      else if (lost_[i])
        send(c, done_atom::value, engine::worker_report{i, 0});
    }
    for (const auto& m : dir_.masters) send(m, collector_atom::value, c, data, a);
    log(fmt::format("the collector rejoined with {} draws; the masters resend what it lacks",
                    fmt::join(a.draws, " ")));
  }

  void log(const std::string& line) const {
    if (cfg_.log) cfg_.log(line);
  }

  void note_progress() { last_progress_ = clock().now(); }

  caf::actor_clock::duration_type tick_interval() const {
    return std::max<caf::actor_clock::duration_type>(cfg_.watchdog / 4,
                                                     std::chrono::milliseconds(1));
  }

  void schedule_tick() { delayed_send(this, tick_interval(), tick_atom::value); }

  void on_tick() {
    if (finished_) return;
    if (away_) note_progress();  // waiting for the collector is no hang
    if (clock().now() - last_progress_ < cfg_.watchdog) return schedule_tick();
    finish(unexpected(errc::timeout,
                      fmt::format("no progress for {} ms (master versions: {}); a peer hangs or "
                                  "the protocol waits for a message that never comes",
                                  cfg_.watchdog.count(), fmt::join(versions_, " "))));
  }

  void on_down(caf::down_msg& m) {
    if (finished_ || m.reason == caf::exit_reason::user_shutdown) return;
    auto who = dir_.find(m.source);
    if (!who) return;
    const auto why = caf::to_string(m.reason);
    switch (who->who) {
      case protocols::endpoint::role::worker:
        if (who->index < lost_.size() && !workers_[who->index] && !lost_[who->index]) {
          lost_[who->index] = true;
          record(who->index, engine::membership_event::kind::lost);
        }
        return try_finish();
      case protocols::endpoint::role::master:
        if (who->index < shards_.size() && shards_[who->index]) return;
        return finish(unexpected(errc::protocol,
                                 fmt::format("master shard {} is gone ({})", who->index, why)));
      case protocols::endpoint::role::collector:
        if (draws_) return;
        if (cfg_.collector_wait.count() > 0) {
          away_ = true;
          away_why_ = why;
          log(fmt::format("the collector is gone ({}); waiting up to {:.1f} s for it to rejoin",
                          why, cfg_.collector_wait.count() / 1e3));
          delayed_send(this, cfg_.collector_wait, collector_wait_atom::value, ++losses_);
          return;
        }
        return finish(unexpected(errc::protocol, fmt::format("the collector is gone ({})", why)));
    }
  }

  void try_finish() {
    if (finished_ || !draws_) return;
    for (const auto& s : shards_)
      if (!s) return;
    for (std::size_t i = 0; i < workers_.size(); ++i)
      if (!workers_[i] && !lost_[i]) return;
    engine::run_report sum;
    for (const auto& s : shards_) {
      sum.versions.push_back(s->version);
      sum.staleness.merge(s->staleness);
      engine::merge_applied(sum.applied, s->applied);
      engine::merge_rejected(sum.rejected, s->rejected);
    }
    if (sum.applied.size() < workers_.size()) sum.applied.resize(workers_.size(), 0);
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      sum.gradients.push_back(workers_[i] ? workers_[i]->gradients : 0);
      if (lost_[i] && !workers_[i]) (absent_[i] ? sum.absent : sum.lost).push_back(i);
    }
    sum.membership = membership_;
    sum.draws = *draws_;
    sum.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    finish(std::move(sum));
  }

  void finish(expected<engine::run_report> result) {
    if (finished_) return;
    finished_ = true;
    if (cfg_.on_result) cfg_.on_result(std::move(result));
    auto down = [&](const caf::actor& a) {
      if (a) send_exit(a, caf::exit_reason::user_shutdown);
    };
    for (const auto& a : dir_.workers) down(a);
    for (const auto& a : dir_.masters) down(a);
    down(dir_.collector);
    quit();
  }

  supervisor_config cfg_;
  directory dir_;
  std::vector<std::optional<engine::shard_report>> shards_;
  std::vector<std::optional<engine::worker_report>> workers_;
  std::vector<bool> lost_;
  std::vector<bool> absent_;  ///< never joined (so far)
  /// The data channel endpoints handed on with the directory: masters, workers, the collector.
  std::vector<std::string> data_;
  std::vector<engine::membership_event> membership_;
  std::vector<std::uint64_t> versions_;
  std::optional<std::uint64_t> draws_;
  bool away_ = false;      // waiting for a collector to rejoin
  bool rejoined_ = false;  // the collector is not the one the workers know
  std::string away_why_;
  std::uint64_t losses_ = 0;  // collector losses so far (names each wait)
  caf::actor_clock::time_point last_progress_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
};

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg) {
  return sys.spawn<supervisor>(std::move(cfg));
}

}  // namespace sgmc::actors
