#pragma once
// Where a peer_actor keeps the remote message (remote_message.hpp) whose control message has
// arrived but whose payload has not yet come over the data channel, and the peers seen lost,
// whose payloads will never come. peer_remote.cpp decides when to look again; this type only
// holds the wait and resumes the message.
#include "remote_message.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>

#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace sgmc::actors::detail {

class payload_inbox {
 public:
  /// Handles the message once its payload is there.
  using resume_fn = std::function<void(protocols::float_values)>;

  /// A remote message whose payload the actor waits for.
  struct pending {
    payload_ref ref;
    caf::actor_addr sender;
    std::optional<protocols::endpoint> from;  ///< its sender in the directory, if there
    resume_fn done;
    caf::actor_clock::time_point deadline;
  };

  /// True while a payload is awaited.
  bool waiting() const { return pending_.has_value(); }
  /// The awaited payload (call only while waiting()).
  const pending& awaited() const { return *pending_; }

  /// Starts waiting for `p`'s payload (nothing else may be awaited).
  void wait(pending p) { pending_ = std::move(p); }
  /// Ends the wait; false when nothing was awaited.
  bool cancel() { return std::exchange(pending_, std::nullopt).has_value(); }

  /// Ends the wait and handles the awaited message with its payload `v`; meanwhile
  /// resumed_from() names its sender.
  void resume(protocols::float_values v) {
    auto p = std::move(*pending_);
    pending_.reset();
    resumed_from_ = p.from;
    p.done(std::move(v));
    resumed_from_.reset();
  }
  /// The sender of the message being resumed (nullopt outside resume()).
  const std::optional<protocols::endpoint>& resumed_from() const { return resumed_from_; }

  /// Records `peer` as lost; true when the awaited payload was its (which never comes: the
  /// wait is then to be ended).
  bool note_lost(const caf::actor_addr& peer) {
    lost_.insert(peer);
    return pending_ && pending_->sender == peer;
  }
  /// True when `peer` was seen lost.
  bool lost(const caf::actor_addr& peer) const { return lost_.count(peer) > 0; }

  /// Forgets everything (the actor's exit).
  void clear() {
    pending_.reset();
    lost_.clear();
  }

 private:
  std::optional<pending> pending_;
  std::optional<protocols::endpoint> resumed_from_;
  std::set<caf::actor_addr> lost_;  ///< peers seen down
};

}  // namespace sgmc::actors::detail
