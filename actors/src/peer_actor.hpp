#pragma once
// The plumbing every sgmc actor shares: the start-up (the init message with the directory),
// sending protocol messages with their injected delays (engine/link_scheduler.hpp keeps them
// in order per destination), message ids and trace records of every message sent and
// received, logging, and reporting a failure to the supervisor. Across nodes, large payloads
// take the node's data channel (remote_message.hpp): deliver() picks the path, on_remote()
// waits for the payload (payload_inbox.hpp) and rebuilds the message.
//
// Every protocol message travels as (u64 id, message): the id numbers the sending actor's
// messages from 1, in process and across nodes, so that a trace pairs each receive with its
// send (the handlers take the id first).
#include "payload_inbox.hpp"
#include "remote_message.hpp"
#include "sgmc/actors/runtime.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/injector.hpp"
#include "sgmc/engine/link_scheduler.hpp"
#include "sgmc/engine/trace_points.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sgmc::actors::detail {

/// A peer_actor to itself: look again for the payload it waits for.
using data_tick_atom = caf::atom_constant<caf::atom("sgmc_dwait")>;

/// The base of the master, worker and collector actors ("peers": the actors of one run).
class peer_actor : public caf::event_based_actor {
 public:
  peer_actor(caf::actor_config& cfg, actor_context ctx, protocols::endpoint me,
             std::uint32_t rng_owner);

 protected:
  /// Releases every handle to other actors: actors holding each other's handles would
  /// otherwise keep each other alive (a reference cycle) after the run.
  void on_exit() override;

  /// The behaviour before the run, the same for every actor: it takes the init message
  /// (init_atom, masters, workers, collector, data endpoints) and then stores the directory,
  /// monitors the peers this actor depends on (a master: the workers and the collector; a
  /// worker: the masters; the collector: both), drops unexpected messages from then on,
  /// becomes running() and calls on_start(). `data`: the data channel endpoints of the
  /// directory's actors' nodes, or empty when no payload takes a data channel.
  caf::behavior startup();
  /// The behaviour of the run.
  virtual caf::behavior running() = 0;
  /// Called once the actor runs (a protocol's first sends).
  virtual void on_start() {}

  /// Handles the message of `r` with `handle(Msg&)` once its payload is taken from the node's
  /// data channel: at once when the payload is there or arrives within a short blocking wait
  /// (the usual case: it was sent first). Otherwise the actor waits for it without holding
  /// its thread, every other message left in the mailbox in order, until
  /// data_channel_params::take_timeout (then the run fails with a clear error), or drops the
  /// message when its sender is lost meanwhile (a node killed between its two sends).
  template <class Msg, class F>
  void on_remote(remote<Msg>& r, F handle) {
    resume_fn done = [head = std::move(r.head), handle](protocols::float_values v) mutable {
      payload_of(head).values = std::move(v);
      handle(head);
    };
    take_or_wait(r.ref, std::move(done));
  }

  /// Worker `w`'s new actor `a` (it rejoined, or joined a run under way), with every actor's
  /// data endpoint: the directory names it from now on; a master or the collector monitors it.
  void replace_worker(std::uint32_t w, caf::actor a, std::vector<std::string> data);

  /// Call first in every down handler: remembers the lost peer (its payloads will not come).
  void note_down(const caf::down_msg& m);
  const directory& dir() const { return dir_; }
  /// A collector that rejoined the run replaces the lost one (its data channel endpoint `data`;
  /// "" for none), and is monitored.
  void replace_collector(caf::actor c, std::string data);

  /// Sends every envelope in order, each with its injected delay and this actor's next message
  /// id, and traces it at `t_ns` (0: now). errc::protocol when an envelope names an endpoint
  /// that is not in the directory.
  expected<void> deliver(std::vector<protocols::envelope>& sends, std::uint64_t t_ns = 0);

  /// Sends a control message to `to` after every message already on its way there.
  template <class... Ts>
  void send_ordered(const protocols::endpoint& to, Ts&&... xs) {
    auto dest = dir_.at(to);
    if (dest)
      send_message(to, dest, links_.delay(to, false), caf::make_message(std::forward<Ts>(xs)...));
  }

  /// True when this actor records a trace.
  bool tracing() const { return lane_ != nullptr; }
  /// The trace clock, read only when tracing (0 otherwise): read once per handler and pass on.
  std::uint64_t trace_clock() const { return lane_ != nullptr ? engine::trace_now_ns() : 0; }

  /// Records a received protocol message with its id `seq`, taken at `t_ns`; the peer is
  /// `from`. Messages that name their sender (a push, pull or exchange its worker, params
  /// their shard) pass that; others pass sender_or(...).
  template <class Msg>
  void trace_received(const Msg& m, const protocols::endpoint& from, std::uint64_t seq,
                      std::uint64_t t_ns, std::int64_t staleness = -1) {
    if (lane_ == nullptr) return;
    lane_->record(received_event(m, from, seq, t_ns, staleness));
  }
  /// The record of a received message (call only when tracing).
  template <class Msg>
  engine::trace_event received_event(const Msg& m, const protocols::endpoint& from,
                                     std::uint64_t seq, std::uint64_t t_ns,
                                     std::int64_t staleness = -1) {
    auto e = make_event(m, engine::to_trace_actor(me_), engine::to_trace_actor(from),
                        engine::trace_direction::received, t_ns);
    e.seq = seq;
    e.staleness = staleness;
    return e;
  }
  /// The current message's sender, or (for a sender outside the directory) `named`, the
  /// endpoint the message names. Costs a lookup: only when tracing.
  protocols::endpoint sender_or(const protocols::endpoint& named) {
    return lane_ != nullptr ? sender_endpoint().value_or(named) : named;
  }
  /// Records a span (compute, apply) from `start` to `end` (trace clock), naming `peer`
  /// and `version`.
  void trace_span(engine::trace_type type, std::uint64_t start, std::uint64_t end,
                  const protocols::endpoint& peer, std::uint64_t version);
  /// Records an event made by received_event().
  void trace(const engine::trace_event& e) {
    if (lane_ != nullptr) lane_->record(e);
  }

  /// The endpoint of the current message's sender, if it is in the directory.
  std::optional<protocols::endpoint> sender_endpoint();

  /// Reports `e` to the supervisor (once) and stops taking part: failed() turns true.
  void fail(const error& e);
  bool failed() const { return failed_; }
  void log(const std::string& line) const;
  /// "master shard 0", "worker 2", "collector": this actor in messages.
  std::string describe_me() const;

  /// True for a down message of a deliberate shutdown (the supervisor ending the run), which
  /// is no loss.
  static bool deliberate(const caf::down_msg& m);
  /// Drops (and logs once) messages no handler takes: a peer speaking another protocol.
  void drop_unexpected();

  actor_context ctx_;
  engine::injector inj_;
  protocols::endpoint me_;

 private:
  void set_directory(directory dir, std::vector<std::string> data);
  void send_message(const protocols::endpoint& to, const caf::actor& dest,
                    std::chrono::nanoseconds delay, caf::message msg);
  template <class Msg>
  expected<void> send_protocol(const protocols::endpoint& to, const caf::actor& dest,
                               std::uint64_t t_ns, Msg&& m);
  /// The data channel endpoint a payload of `bytes` to `to` takes, or "" (CAF carries it).
  const std::string& side_path(const protocols::endpoint& to, const caf::actor& dest,
                               std::uint64_t bytes) const;
  using resume_fn = payload_inbox::resume_fn;
  void take_or_wait(const payload_ref& ref, resume_fn done);
  void retry_pending();
  void end_wait();
  void restore_behavior();
  void fail_taking(const error& e);

  engine::trace_lane* lane_ = nullptr;  ///< this actor's lane of ctx_.trace, if any
  std::uint64_t sent_ = 0;              ///< message ids: the last one sent (without ctx_.ids)
  payload_inbox inbox_;
  directory dir_;
  std::vector<std::string> data_;  ///< data endpoints: masters, workers, the collector
  engine::link_scheduler links_;
  bool failed_ = false;
  bool warned_unexpected_ = false;
};

}  // namespace sgmc::actors::detail
