// Bad input from peers and bad set-ups are errors with clear messages, never crashes.

#include "helpers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace {

using namespace sgmc::test;
namespace sm = sgmc::samplers;

std::vector<float> theta0(std::size_t dim) { return std::vector<float>(dim, 0.25f); }

std::unique_ptr<pr::master> master_of(pr::protocol_kind kind, std::uint32_t workers = 2,
                                      std::uint32_t shards = 1, std::size_t dim = 300,
                                      pr::shard_id shard = 0) {
  static std::vector<float> t0;
  t0 = theta0(dim);
  pr::master_setup s;
  s.protocol.kind = kind;
  s.protocol.workers = workers;
  s.protocol.shards = shards;
  s.run.steps = 100;
  s.shard = shard;
  s.dim = dim;
  s.theta0 = t0;
  sm::sampler_params sp;
  auto k = sm::make_sampler(sp, pr::shard_slice(dim, shards, shard).size);
  REQUIRE(k.has_value());
  s.kernel = std::move(*k);
  auto m = pr::make_master(std::move(s));
  if (!m) FAIL(m.error().message);
  return std::move(*m);
}

pr::push gradient_push(pr::worker_id w, std::size_t n, pr::version_t v = 0,
                       pr::push_kind kind = pr::push_kind::gradient, std::uint64_t seq = 0) {
  pr::push p;
  p.worker = w;
  p.version = v;
  p.seq = seq;
  p.kind = kind;
  p.data.values.assign(n, 0.5f);
  return p;
}

template <class T>
std::string protocol_error(const sgmc::expected<T>& r) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::protocol);
  return r.error().message;
}

}  // namespace

TEST_CASE("a master shard rejects pushes that do not fit", "[protocols][errors]") {
  auto m = master_of(pr::protocol_kind::async, 2, 2, 300);  // shard 0 owns [0, 256)
  pr::outbox out;
  auto wrong_shard = gradient_push(0, 256);
  wrong_shard.shard = 1;
  CHECK(protocol_error(m->on_push(wrong_shard, out)) ==
        "async master shard 0: push from worker 0 is for shard 1");
  CHECK(protocol_error(m->on_push(gradient_push(7, 256), out)) ==
        "async master shard 0: push from unknown worker 7 (the run has 2 workers)");
  CHECK(protocol_error(m->on_push(gradient_push(1, 256, 0, pr::push_kind::update), out)) ==
        "async master shard 0: push from worker 1 carries an update, the protocol pushes "
        "gradients");
  pr::exchange x{0, 0, 5, 0, {std::vector<float>(256, 0.0f)}};
  CHECK(protocol_error(m->on_exchange(x, out)) ==
        "async master shard 0: unexpected exchange from worker 0 (only elastic exchanges)");
  REQUIRE(m->on_worker_lost(1, out));
  CHECK(protocol_error(m->on_push(gradient_push(1, 256), out)) ==
        "async master shard 0: push from worker 1, which was lost");
  CHECK(protocol_error(m->on_pull(pr::pull{1, 0, 0}, out)) ==
        "async master shard 0: pull from worker 1, which was lost");
  CHECK(protocol_error(m->on_worker_lost(9, out)) ==
        "async master shard 0: unknown worker 9 reported lost (the run has 2 workers)");
  CHECK(out.send.empty());
  CHECK(m->version() == 0);  // nothing was applied
}

TEST_CASE("protocol-specific pushes are checked", "[protocols][errors]") {
  pr::outbox out;
  auto sync = master_of(pr::protocol_kind::sync);
  REQUIRE(sync->on_push(gradient_push(0, 300, 0), out));
  REQUIRE(out.send.empty());  // waiting for worker 1
  CHECK(protocol_error(sync->on_push(gradient_push(0, 300, 0, pr::push_kind::gradient, 1), out)) ==
        "sync master shard 0: second push from worker 0 for version 0");
  REQUIRE(sync->on_push(gradient_push(1, 300, 0), out));
  CHECK(sync->version() == 1);
  CHECK(protocol_error(sync->on_push(gradient_push(0, 300, 0, pr::push_kind::gradient, 2), out)) ==
        "sync master shard 0: push from worker 0 is built on version 0, the barrier is at "
        "version 1");

  auto down = master_of(pr::protocol_kind::downpour);
  CHECK(protocol_error(down->on_push(gradient_push(0, 300), out)) ==
        "downpour master shard 0: push from worker 0 carries a gradient, the protocol pushes "
        "updates");

  auto elastic = master_of(pr::protocol_kind::elastic);
  pr::exchange last{0, 0, 100, 0, {std::vector<float>(300, 0.0f)}};
  REQUIRE(elastic->on_exchange(last, out));
  last.step = 101;
  CHECK(protocol_error(elastic->on_exchange(last, out)) ==
        "elastic master shard 0: exchange from worker 0 after its last one");
  CHECK(protocol_error(elastic->on_push(gradient_push(1, 300, 0, pr::push_kind::update), out))
            .rfind("elastic master shard 0: push from worker 1 carries an update", 0) == 0);
}

TEST_CASE("an update that turns θ non-finite is divergence, named with its version",
          "[protocols][errors]") {
  pr::outbox out;
  auto down = master_of(pr::protocol_kind::downpour);
  auto big = gradient_push(0, 300, 0, pr::push_kind::update);
  big.data.values.vec()[3] = std::numeric_limits<float>::max();
  REQUIRE(down->on_push(big, out));  // θ[3] = 0.25 + max rounds to max: still finite
  big.seq = 1;
  auto r2 = down->on_push(big, out);
  REQUIRE_FALSE(r2.has_value());
  CHECK(r2.error().code == sgmc::errc::diverged);
  CHECK(r2.error().message ==
        "diverged at version 1 on downpour master shard 0: θ[3] is inf after a pushed update");

  // A worker whose potential turns NaN.
  auto cfg = quadratic_config(pr::protocol_kind::async, 1, 1, 8, 10);
  cfg.source = [](pr::worker_id) {
    auto s = std::make_unique<recording_source>(8, 0);
    s->nan_potential_at = 2;
    return s;
  };
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  auto r3 = d->run();
  REQUIRE_FALSE(r3.has_value());
  CHECK(r3.error().code == sgmc::errc::diverged);
  CHECK(r3.error().message == "diverged at async worker 0's gradient 2: the potential Û(θ) is nan");
}

TEST_CASE("a worker rejects params that do not fit, and computes only when asked",
          "[protocols][errors]") {
  auto d = make_driver(quadratic_config(pr::protocol_kind::async, 2, 2, 300, 10));
  SGMC_REQUIRE_OK(d->start());
  pr::outbox out;
  pr::worker& w = d->worker(1);
  CHECK(protocol_error(w.compute(out)) ==
        "async worker 1: compute() while waiting for params (2 of 2 shards missing)");
  CHECK(protocol_error(w.on_theta_reply(pr::theta_reply{5, 0, {}}, out)) ==
        "async worker 1: params from unknown shard 5 (the run has 2 shards)");
  CHECK(protocol_error(
            w.on_theta_reply(pr::theta_reply{1, 0, {std::vector<float>(256, 0.0f)}}, out)) ==
        "async worker 1: params from shard 1 have 256 values, the shard owns 44");
  REQUIRE(w.on_theta_reply(pr::theta_reply{1, 0, {std::vector<float>(44, 0.0f)}}, out));
  CHECK(protocol_error(
            w.on_theta_reply(pr::theta_reply{1, 0, {std::vector<float>(44, 0.0f)}}, out)) ==
        "async worker 1: unexpected params from shard 1 (version 0): not waiting for them");
}

TEST_CASE("bad set-ups are errors naming what is wrong", "[protocols][errors]") {
  const auto t0 = theta0(300);
  auto base = [&] {
    pr::master_setup s;
    s.protocol.kind = pr::protocol_kind::async;
    s.dim = 300;
    s.theta0 = t0;
    return s;
  };
  auto message = [](pr::master_setup s) {
    auto m = pr::make_master(std::move(s));
    REQUIRE_FALSE(m.has_value());
    return m.error().message;
  };
  CHECK(message(base()) == "async master shard 0: no sampler kernel");
  auto s = base();
  s.kernel = std::move(sm::make_sampler({}, 10).value());
  CHECK(message(std::move(s)) ==
        "async master shard 0: the kernel was made for dim 10, the shard owns 300 values");
  s = base();
  s.shard = 1;
  CHECK(message(std::move(s)) == "master shard 1 does not exist (protocol.shards = 1)");
  s = base();
  s.dim = 301;
  CHECK(message(std::move(s)) == "master shard 0: the initial θ has 300 values, dim is 301");
  s = base();
  s.run.burnin = 5000;
  CHECK(message(std::move(s)) == "run.burnin (5000) must be < run.steps (1000)");

  quadratic_source src(300, 0.0, 1.0);
  pr::worker_setup w;
  w.protocol.kind = pr::protocol_kind::elastic;
  w.dim = 300;
  w.theta0 = t0;
  w.source = &src;
  auto wmessage = [](pr::worker_setup x) {
    auto made = pr::make_worker(std::move(x));
    REQUIRE_FALSE(made.has_value());
    return made.error().message;
  };
  CHECK(wmessage(std::move(w)) == "elastic worker 0: no local sampler kernel");
  recording_source rows(300, 50);
  pr::worker_setup w2;
  w2.protocol.kind = pr::protocol_kind::async;
  w2.dim = 300;
  w2.theta0 = t0;
  w2.source = &rows;
  w2.id = 3;
  w2.protocol.workers = 4;
  w2.rows = pr::worker_rows(50, 4, 3, true, 1);  // 12 or 13 rows
  w2.batch_size = 20;
  CHECK(wmessage(std::move(w2)).rfind("sampler.batch_size must be in [1, 1", 0) == 0);
}

namespace {

std::uint64_t total(const std::array<std::uint64_t, pr::kRejectionReasons>& counts) {
  std::uint64_t n = 0;
  for (auto c : counts) n += c;
  return n;
}

std::uint64_t count(const pr::master& m, pr::rejection_reason r) {
  return m.rejected()[static_cast<std::size_t>(r)];
}

bool all_finite(std::span<const float> x) {
  for (float v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

TEST_CASE("a NaN gradient in one push is rejected, counted and answered; θ stays finite",
          "[protocols][errors][rejections]") {
  for (auto kind : {pr::protocol_kind::async, pr::protocol_kind::ssp, pr::protocol_kind::sync}) {
    CAPTURE(pr::to_string(kind));
    pr::outbox out;
    auto m = master_of(kind);
    auto bad = gradient_push(1, 300, 0);
    bad.data.values.vec()[17] = std::numeric_limits<float>::quiet_NaN();
    REQUIRE(m->on_push(bad, out));
    CHECK(m->version() == 0);
    CHECK(all_finite(m->theta()));
    CHECK(count(*m, pr::rejection_reason::non_finite) == 1);
    CHECK(total(m->rejected()) == 1);
    REQUIRE(out.rejected.size() == 1);
    CHECK(out.rejected[0].worker == 1);
    CHECK(out.rejected[0].detail == fmt::format("{} master shard 0: push seq 0 from worker 1 has "
                                                "nan at θ index 17",
                                                pr::to_string(kind)));
    CHECK(out.applied.empty());
    // Answered with θ_0, so the worker computes again.
    REQUIRE(out.send.size() == 1);
    CHECK(out.send[0].to == pr::worker_at(1));
    CHECK(std::get<pr::theta_reply>(out.send[0].msg).version == 0);
    // The worker's next push is applied (sync: with worker 0's).
    out.clear();
    REQUIRE(m->on_push(gradient_push(1, 300, 0, pr::push_kind::gradient, 1), out));
    if (kind == pr::protocol_kind::sync) REQUIRE(m->on_push(gradient_push(0, 300, 0), out));
    CHECK(m->version() == 1);
    CHECK(all_finite(m->theta()));
    CHECK(total(m->rejected()) == 1);
  }
}

TEST_CASE("pushes of the wrong length, inf updates and exchanges are rejected, never applied",
          "[protocols][errors][rejections]") {
  pr::outbox out;
  auto m = master_of(pr::protocol_kind::async, 2, 2, 300);  // shard 0 owns [0, 256)
  REQUIRE(m->on_push(gradient_push(0, 300), out));
  CHECK(count(*m, pr::rejection_reason::wrong_dimension) == 1);
  REQUIRE(out.rejected.size() == 1);
  CHECK(out.rejected[0].detail ==
        "async master shard 0: push seq 0 from worker 0 has 300 values, the shard owns 256");
  CHECK(m->version() == 0);

  auto down = master_of(pr::protocol_kind::downpour);
  auto inf = gradient_push(0, 300, 0, pr::push_kind::update);
  inf.data.values.vec()[3] = -std::numeric_limits<float>::infinity();
  out.clear();
  REQUIRE(down->on_push(inf, out));
  CHECK(count(*down, pr::rejection_reason::non_finite) == 1);
  CHECK(out.send.empty());  // downpour's workers wait for no answer
  CHECK(down->version() == 0);
  CHECK(all_finite(down->theta()));

  auto elastic = master_of(pr::protocol_kind::elastic);
  pr::exchange x{0, 0, 10, 0, {std::vector<float>(300, 0.0f)}};
  x.theta.values.vec()[299] = std::numeric_limits<float>::quiet_NaN();
  out.clear();
  REQUIRE(elastic->on_exchange(x, out));
  CHECK(count(*elastic, pr::rejection_reason::non_finite) == 1);
  CHECK(elastic->version() == 0);
  CHECK(all_finite(elastic->theta()));
  REQUIRE(out.send.size() == 1);  // the centre, so the worker goes on
  x.step = 10;
  x.theta.values.vec()[299] = 0.0f;
  out.clear();
  REQUIRE(elastic->on_exchange(x, out));  // the same step again: a replay
  CHECK(count(*elastic, pr::rejection_reason::duplicate) == 1);
  CHECK(out.send.empty());
}

TEST_CASE("a replayed, an older or an ahead push is rejected without an answer",
          "[protocols][errors][rejections]") {
  for (auto kind : {pr::protocol_kind::async, pr::protocol_kind::sync}) {
    CAPTURE(pr::to_string(kind));
    pr::outbox out;
    auto m = master_of(kind);
    REQUIRE(m->on_push(gradient_push(0, 300, 0, pr::push_kind::gradient, 5), out));
    const auto v = m->version();
    const std::vector<float> theta(m->theta().begin(), m->theta().end());
    out.clear();
    REQUIRE(m->on_push(gradient_push(0, 300, 0, pr::push_kind::gradient, 5), out));
    CHECK(count(*m, pr::rejection_reason::duplicate) == 1);
    REQUIRE(out.rejected.size() == 1);
    CHECK(out.rejected[0].detail ==
          fmt::format("{} master shard 0: push seq 5 from worker 0 was accepted before (a replay)",
                      pr::to_string(kind)));
    REQUIRE(m->on_push(gradient_push(0, 300, 0, pr::push_kind::gradient, 4), out));
    CHECK(count(*m, pr::rejection_reason::out_of_order) == 1);
    CHECK(out.rejected[1].detail ==
          fmt::format("{} master shard 0: push seq 4 from worker 0 is older than its last accepted "
                      "seq 5",
                      pr::to_string(kind)));
    REQUIRE(m->on_push(gradient_push(1, 300, 7), out));
    CHECK(count(*m, pr::rejection_reason::ahead) == 1);
    CHECK(out.send.empty());
    CHECK(out.applied.empty());
    CHECK(m->version() == v);
    CHECK(std::equal(theta.begin(), theta.end(), m->theta().begin()));
    CHECK(total(m->rejected()) == 3);
  }
}
