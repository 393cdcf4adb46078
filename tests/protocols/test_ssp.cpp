// ssp: a worker more than s pushes ahead of the slowest waits, and is released when the slowest
// pushes or is lost.

#include "helpers.hpp"

namespace {

using namespace sgmc::test;

std::size_t params_queued_to(const protocol_driver& d, pr::worker_id w) {
  std::size_t n = 0;
  for (const auto& e : d.pending()) n += params_to(w)(e);
  return n;
}

// Worker 1 is held (a straggler) with its first push queued; worker 0 runs until it blocks.
// Returns the number of pushes of worker 0 applied.
std::size_t run_fast_worker_until_blocked(protocol_driver& d) {
  SGMC_REQUIRE_OK(d.start());
  for (int i = 0; i < 6; ++i) run_first(d, any_event(), "start-up");  // pulls, answers, computes
  d.hold(1);
  SGMC_REQUIRE_OK(d.run());  // everything not held: worker 0 alone
  std::size_t fast = 0;
  for (const auto& a : d.applied()) fast += a.worker == 0;
  return fast;
}

}  // namespace

TEST_CASE("ssp blocks a fast worker at the bound and releases it when the slow one pushes",
          "[protocols][ssp]") {
  for (std::uint32_t s : {0u, 2u}) {
    SECTION("s = " + std::to_string(s)) {
      auto cfg = quadratic_config(pr::protocol_kind::ssp, 2, 1, 8, 1000);
      cfg.protocol.staleness_bound = s;
      auto d = make_driver(cfg);
      const std::size_t fast = run_fast_worker_until_blocked(*d);
      // Worker 0's clock may exceed the slowest's (0) by s: answered after pushes 1..s, then
      // its push s + 1 is applied and its answer held back.
      CHECK(fast == s + 1);
      CHECK(params_queued_to(*d, 0) == 0);
      CHECK(d->pending().size() == 1);  // only worker 1's held push
      // The slow worker's push: clocks (s + 1, 1), worker 0 is released in the same outbox.
      d->release(1);
      run_first(*d, push_from(1), "the slow push");
      CHECK(params_queued_to(*d, 0) == 1);
      CHECK(params_queued_to(*d, 1) == 1);
      const auto& last = d->applied().back();
      CHECK(last.worker == 1);
      CHECK(last.staleness() == s + 1);  // worker 0's pushes were applied meanwhile
    }
  }
}

TEST_CASE("ssp releases a blocked worker when the slowest is lost", "[protocols][ssp]") {
  auto cfg = quadratic_config(pr::protocol_kind::ssp, 3, 1, 8, 1000);
  cfg.protocol.staleness_bound = 1;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 9; ++i) run_first(*d, any_event(), "start-up");
  d->hold(1);
  d->hold(2);
  SGMC_REQUIRE_OK(d->run());
  CHECK(params_queued_to(*d, 0) == 0);  // blocked at clock 2 against 0
  SGMC_REQUIRE_OK(d->lose(2));          // the min is still worker 1's 0: blocked
  CHECK(params_queued_to(*d, 0) == 0);
  SGMC_REQUIRE_OK(d->lose(1));  // no one slower left: released at once
  CHECK(params_queued_to(*d, 0) == 1);
  CHECK(d->master(0).live_workers() == 1);
  SGMC_REQUIRE_OK(d->run());  // worker 0 alone runs to the end
  CHECK(d->finished());
  CHECK(d->master(0).version() == 1000);
}
