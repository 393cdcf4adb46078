// Link delays in order per destination (link_scheduler.hpp).
#include "sgmc/engine/link_scheduler.hpp"

#include <optional>

namespace sgmc::engine {

link_scheduler::link_scheduler(injector& inj, protocols::endpoint me)
    : inj_(&inj), me_(me), timed_(inj.delays_messages()) {}

std::chrono::nanoseconds link_scheduler::delay(const protocols::endpoint& to, bool is_push) {
  if (!timed_) return std::chrono::nanoseconds{0};
  using role = protocols::endpoint::role;
  // A link's latency is the worker's at either end, if any.
  std::optional<std::uint32_t> worker;
  if (me_.who == role::worker) worker = me_.index;
  if (to.who == role::worker) worker = to.index;
  return inj_->message_delay(worker, is_push);
}

link_scheduler::time_point link_scheduler::schedule(const protocols::endpoint& to, time_point now,
                                                    std::chrono::nanoseconds delay) {
  if (!timed_) return now;
  auto due = now + std::chrono::duration_cast<time_point::duration>(delay);
  auto& last = last_[key{to.who, to.index}];
  if (due < last) due = last;
  last = due;
  return due;
}

}  // namespace sgmc::engine
