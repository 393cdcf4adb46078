#pragma once
// When an actor's messages may be delivered, given the injected link delays (injector.hpp):
// a message to a destination is due at now + its delay, but never before an earlier message to
// the same destination, so that each link keeps its order (FIFO per destination):
//
//   due(m) = max(now + delay(m), due(previous message to the same destination))
//
// Without message delays (injector::delays_messages() false) nothing is bookkept and every
// message is due at once. Time is passed in (a manual clock in tests, CAF's in the actors).
#include "sgmc/engine/injector.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <utility>

namespace sgmc::engine {

class link_scheduler {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The links of the actor `me`, with delays drawn from `inj` (which must outlive this).
  link_scheduler(injector& inj, protocols::endpoint me);

  /// True when messages may be delayed at all.
  bool timed() const { return timed_; }

  /// Draws the delay of one message to `to` (0 when untimed); `is_push` for pushes and
  /// exchanges, which get the drawn millisecond delay on top of the link's latency.
  std::chrono::nanoseconds delay(const protocols::endpoint& to, bool is_push);

  /// When a message to `to` with `delay`, sent at `now`, may be delivered: never before a
  /// message scheduled earlier to `to`. `now` when untimed. At or before `now`: send at once.
  time_point schedule(const protocols::endpoint& to, time_point now,
                      std::chrono::nanoseconds delay);

  /// Forgets every destination.
  void clear() { last_.clear(); }

 private:
  using key = std::pair<protocols::endpoint::role, std::uint32_t>;

  injector* inj_;
  protocols::endpoint me_;
  bool timed_;
  std::map<key, time_point> last_;  ///< the latest due time per destination
};

}  // namespace sgmc::engine
