// A worker that rejoins (protocols::master::on_worker_joined): lost, then back in the run from
// the current version, in every protocol's bookkeeping.

#include "helpers.hpp"

#include <algorithm>

namespace {

using namespace sgmc::test;
namespace sm = sgmc::samplers;

constexpr std::size_t kDim = 8;

std::unique_ptr<pr::master> master_of(pr::protocol_kind kind, std::uint32_t workers) {
  static std::vector<float> t0;
  t0.assign(kDim, 0.25f);
  pr::master_setup s;
  s.protocol.kind = kind;
  s.protocol.workers = workers;
  s.protocol.staleness_bound = 1;
  s.run.steps = 100;
  s.dim = kDim;
  s.theta0 = t0;
  auto k = sm::make_sampler(sm::sampler_params{}, kDim);
  REQUIRE(k.has_value());
  s.kernel = std::move(*k);
  auto m = pr::make_master(std::move(s));
  if (!m) FAIL(m.error().message);
  return std::move(*m);
}

pr::push push_of(pr::worker_id w, pr::version_t v, std::uint64_t seq,
                 pr::push_kind kind = pr::push_kind::gradient) {
  pr::push p;
  p.worker = w;
  p.version = v;
  p.seq = seq;
  p.kind = kind;
  p.data.values.assign(kDim, 0.5f);
  return p;
}

// The workers a params message of `out` goes to.
std::vector<pr::worker_id> answered(const pr::outbox& out) {
  std::vector<pr::worker_id> to;
  for (const auto& e : out.send)
    if (std::holds_alternative<pr::theta_reply>(e.msg)) to.push_back(e.to.index);
  return to;
}

}  // namespace

TEST_CASE("sync's barrier waits for a rejoined worker again from the current version",
          "[protocols][rejoin]") {
  auto m = master_of(pr::protocol_kind::sync, 2);
  pr::outbox out;
  REQUIRE(m->on_push(push_of(0, 0, 0), out));
  REQUIRE(m->on_worker_lost(1, out));  // the barrier completes without it
  REQUIRE(m->version() == 1);
  CHECK(m->live_workers() == 1);
  out = {};
  REQUIRE(m->on_worker_joined(1, out));
  CHECK(out.send.empty());  // it pulls first
  CHECK(m->live_workers() == 2);
  REQUIRE(m->on_pull(pr::pull{1, 0, 0}, out));
  CHECK(answered(out) == std::vector<pr::worker_id>{1});
  out = {};
  REQUIRE(m->on_push(push_of(0, 1, 1), out));
  CHECK(m->version() == 1);  // waits for worker 1 now
  // A new process numbers its pushes afresh: seq 0 is not a replay after the rejoin.
  REQUIRE(m->on_push(push_of(1, 1, 0), out));
  CHECK(out.rejected.empty());
  CHECK(m->version() == 2);
  CHECK(out.applied.size() == 2);
  CHECK(answered(out) == std::vector<pr::worker_id>{0, 1});
}

TEST_CASE("async and downpour apply a rejoined worker's pushes; a replay is still refused",
          "[protocols][rejoin]") {
  for (auto kind : {pr::protocol_kind::async, pr::protocol_kind::downpour}) {
    const auto pk =
        kind == pr::protocol_kind::async ? pr::push_kind::gradient : pr::push_kind::update;
    auto m = master_of(kind, 2);
    pr::outbox out;
    REQUIRE(m->on_push(push_of(1, 0, 5, pk), out));
    REQUIRE(m->on_worker_lost(1, out));
    CHECK_FALSE(m->on_push(push_of(1, 1, 6, pk), out));  // lost: an error
    REQUIRE(m->on_worker_joined(1, out));
    out = {};
    const auto v = m->version();
    REQUIRE(m->on_push(push_of(1, v, 0, pk), out));
    CHECK(out.rejected.empty());
    CHECK(m->version() == v + 1);
    REQUIRE(m->on_push(push_of(1, v, 0, pk), out));
    REQUIRE(out.rejected.size() == 1);
    CHECK(out.rejected[0].reason == pr::rejection_reason::duplicate);
  }
}

TEST_CASE("ssp starts a rejoined worker at the slowest live clock", "[protocols][rejoin]") {
  auto m = master_of(pr::protocol_kind::ssp, 2);
  pr::outbox out;
  // Worker 0 runs 2 pushes ahead of worker 1 (bound 1): its second answer is held back.
  for (std::uint64_t s = 0; s < 2; ++s) REQUIRE(m->on_push(push_of(0, m->version(), s), out));
  out = {};
  REQUIRE(m->on_worker_lost(1, out));  // the slowest leaves: worker 0 is released
  CHECK(answered(out) == std::vector<pr::worker_id>{0});
  out = {};
  REQUIRE(m->on_worker_joined(1, out));
  // At worker 0's clock: neither holds the other back.
  REQUIRE(m->on_pull(pr::pull{1, 0, 0}, out));
  REQUIRE(m->on_push(push_of(0, m->version(), 2), out));
  CHECK(answered(out) == std::vector<pr::worker_id>{1, 0});
}

TEST_CASE("after the end a rejoined worker is told to stop; elastic refuses a rejoin",
          "[protocols][rejoin]") {
  auto m = master_of(pr::protocol_kind::async, 1);
  pr::outbox out;
  for (std::uint64_t s = 0; s < 100; ++s) REQUIRE(m->on_push(push_of(0, m->version(), s), out));
  REQUIRE(m->finished());
  out = {};
  REQUIRE(m->on_worker_joined(0, out));
  REQUIRE(out.send.size() == 1);
  CHECK(std::holds_alternative<pr::stop>(out.send[0].msg));
  CHECK(out.send[0].to.index == 0);

  auto e = master_of(pr::protocol_kind::elastic, 2);
  REQUIRE(e->on_worker_lost(1, out));
  auto r = e->on_worker_joined(1, out);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message ==
        "elastic master shard 0: worker 1 joined during the run: an elastic worker's chain "
        "cannot rejoin or start late");
  CHECK_FALSE(e->on_worker_joined(5, out).has_value());
}
