#pragma once
// The simulator's future events, in virtual time: a binary heap of small keys (time, sequence,
// slot) over a slab of event bodies, so a heap move never moves a body (a message and its
// payload). Events due at the same virtual time run in the order they were scheduled (the
// sequence number breaks ties), so a run depends on nothing but its inputs. push and pop are
// O(log n) in the events pending; memory is one slot per pending event, reused.
#include <cstdint>
#include <utility>
#include <vector>

namespace sgmc::sim {

/// Virtual time in nanoseconds since the start of the run.
using vtime = std::uint64_t;

template <class T>
class event_queue {
 public:
  /// Schedules `body` at virtual time `t`.
  void push(vtime t, T body) {
    std::uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(bodies_.size());
      bodies_.push_back(std::move(body));
    } else {
      slot = free_.back();
      free_.pop_back();
      bodies_[slot] = std::move(body);
    }
    heap_.push_back({t, next_seq_++, slot});
    sift_up(heap_.size() - 1);
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  /// The time of the next event (the queue must not be empty).
  vtime next_time() const { return heap_.front().t; }

  /// Takes the earliest event (ties: the first scheduled): its time and body.
  std::pair<vtime, T> pop() {
    const key top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    std::pair<vtime, T> out{top.t, std::move(bodies_[top.slot])};
    free_.push_back(top.slot);
    return out;
  }

 private:
  struct key {
    vtime t;
    std::uint64_t seq;
    std::uint32_t slot;
    bool operator<(const key& o) const { return t != o.t ? t < o.t : seq < o.seq; }
  };

  void sift_up(std::size_t i) {
    const key k = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!(k < heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = k;
  }

  void sift_down(std::size_t i) {
    const key k = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1] < heap_[child]) ++child;
      if (!(heap_[child] < k)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = k;
  }

  std::vector<key> heap_;
  std::vector<T> bodies_;
  std::vector<std::uint32_t> free_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace sgmc::sim
