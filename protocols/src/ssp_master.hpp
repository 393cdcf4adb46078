#pragma once
// ssp: stale-synchronous parallel (Ho et al. 2013), async with a staleness bound s.
//
// Updates are applied exactly as in async (async_master.hpp). In addition the shard keeps a
// clock per worker, c_i = the number of pushes of worker i it has applied, and answers
// worker i (params after its push, or after a pull) only while
//   c_i − min_{j live} c_j <= s                                    (s = protocol.staleness_bound)
// Otherwise the answer is deferred: worker i, which waits for params, is blocked. A deferred
// worker is answered, with the θ current at that moment, in the outbox of the first event
// after which the condition holds again: a push of the slowest worker(s), or the loss of a
// slowest worker (it leaves the minimum). Released workers are answered in index order. A
// worker that (re)joins starts at the slowest live worker's clock (0 if none is live).
//
// So a worker's clock never runs more than s + 1 ahead of the slowest's. While worker i
// computes on the θ it was answered with (c_i − c_min <= s then, and c_min <= c_i until it
// pushes), every other worker j can have at most 2s + 1 pushes applied, so the staleness of an
// applied push is at most (W − 1)(2s + 1) versions. s = 0 makes the workers proceed in
// lock-step rounds while their updates are still applied one by one.
#include "async_master.hpp"

#include <vector>

namespace sgmc::protocols::detail {

class ssp_master final : public async_master {
 public:
  explicit ssp_master(master_setup setup);

  /// Workers whose answer is held back.
  std::vector<worker_id> deferred() const;

 private:
  expected<void> handle_push(const push& msg, outbox& out) override;
  expected<void> handle_pull(const pull& msg, outbox& out) override;
  expected<void> handle_lost(worker_id worker, outbox& out) override;
  expected<void> handle_joined(worker_id worker, outbox& out) override;
  void reply(worker_id worker, outbox& out) override;
  bool may_proceed(worker_id worker) const;
  void release(outbox& out);

  std::vector<std::uint64_t> clock_;
  std::vector<bool> deferred_;
};

}  // namespace sgmc::protocols::detail
