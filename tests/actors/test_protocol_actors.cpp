// The real protocol objects (make_run_parts) in the actors, on CAF's deterministic scheduler:
// every protocol runs to the end, a killed worker is carried on without, and version delays
// raise staleness without deadlocking even past ssp's bound.
#include "fixture.hpp"

#include "../protocols/lyapunov.hpp"

#include "sgmc/actors/embedded.hpp"
#include "sgmc/models/gaussian.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

namespace a = sgmc::actors;
namespace p = sgmc::protocols;
namespace t = sgmc::actors::test;

namespace {

std::unique_ptr<sgmc::models::gaussian> target() {
  auto g = sgmc::models::gaussian::diagonal(Eigen::Vector4d(1.0, -1.0, 0.5, 0.0),
                                            Eigen::Vector4d(1.0, 0.5, 2.0, 1.0), 0.1);
  REQUIRE(g);
  return std::move(*g);
}

sgmc::engine::run_plan setup(p::protocol_kind kind, const sgmc::models::model& m, std::uint32_t w) {
  sgmc::engine::run_plan s;
  s.protocol.kind = kind;
  s.protocol.workers = w;
  s.protocol.staleness_bound = 2;
  s.protocol.elastic_period = 4;
  s.run.steps = 60;
  s.run.thin = 10;
  s.run.seed = 5;
  s.model = &m;
  s.sampler.step_size = 0.01;
  s.schedule = sgmc::samplers::schedule::constant(0.01);
  return s;
}

// Runs `s` on the test scheduler; `midway` runs once the first draw is in.
template <class Midway>
void run(t::deterministic_fixture& f, const sgmc::engine::run_plan& s, t::memory_sink& sink,
         a::actor_context ctx, Midway midway) {
  auto rp = sgmc::engine::make_run_parts(s, sink);
  if (!rp) FAIL(rp.error().message);
  ctx.staleness = s.staleness;
  ctx.seed = s.run.seed;
  auto top = f.start(std::move(*rp), ctx);
  f.run_until([&] { return !sink.draws.empty() || f.result.has_value(); });
  midway(top);
  f.finish();
}

void run(t::deterministic_fixture& f, const sgmc::engine::run_plan& s, t::memory_sink& sink) {
  run(f, s, sink, {}, [](const a::topology&) {});
}

const sgmc::engine::run_report& summary_of(t::deterministic_fixture& f) {
  REQUIRE(f.result);
  if (!f.result->has_value()) FAIL(f.result->error().message);
  return f.result->value();
}

}  // namespace

TEST_CASE("real protocols on the test scheduler: each runs to the end", "[actors]") {
  const auto model = target();
  for (auto kind : {p::protocol_kind::sync, p::protocol_kind::async, p::protocol_kind::ssp,
                    p::protocol_kind::downpour, p::protocol_kind::elastic}) {
    INFO(p::to_string(kind));
    t::memory_sink sink;
    t::deterministic_fixture f;
    const auto s = setup(kind, *model, 2);
    run(f, s, sink);
    const auto& sum = summary_of(f);
    const bool elastic = kind == p::protocol_kind::elastic;
    CHECK(sum.draws == (elastic ? 2u : 1u) * 6);
    CHECK(sink.draws.size() == sum.draws);
    if (!elastic) CHECK(sum.versions[0] == s.run.steps);
    CHECK(sum.gradients[0] > 0);
    CHECK(sum.gradients[1] > 0);
  }
}

TEST_CASE("real async and elastic: a killed worker is carried on without", "[actors]") {
  const auto model = target();
  for (auto kind : {p::protocol_kind::async, p::protocol_kind::elastic}) {
    INFO(p::to_string(kind));
    t::memory_sink sink;
    t::log_lines log;
    t::deterministic_fixture f;
    a::actor_context ctx;
    ctx.log = log.fn();
    auto s = setup(kind, *model, 3);
    run(f, s, sink, ctx, [](const a::topology& top) {
      caf::anon_send_exit(top.actors.workers[1], caf::exit_reason::kill);
    });
    const auto& sum = summary_of(f);
    CHECK(log.contains("worker 1 lost; carrying on with 2"));
    CHECK(sum.lost == std::vector<std::uint32_t>{1});
    if (kind == p::protocol_kind::async) CHECK(sum.versions[0] == s.run.steps);
    CHECK(sum.gradients[0] > 0);
    CHECK(sum.gradients[2] > 0);
  }
}

TEST_CASE("real ssp: a version delay past its bound raises staleness and cannot deadlock",
          "[actors]") {
  const auto model = target();
  t::memory_sink sink;
  t::deterministic_fixture f;
  auto s = setup(p::protocol_kind::ssp, *model, 2);
  s.staleness.delay = *sgmc::engine::parse_delay("fixed:6");  // bound s = 2
  run(f, s, sink);
  const auto& sum = summary_of(f);
  CHECK(sum.versions[0] == s.run.steps);
  CHECK(sum.staleness.max >= 6);
  CHECK(sum.staleness.mean() >= 5.0);
}

TEST_CASE("real downpour and elastic: answers from older versions show as staleness", "[actors]") {
  const auto model = target();
  for (auto kind : {p::protocol_kind::downpour, p::protocol_kind::elastic}) {
    INFO(p::to_string(kind));
    t::memory_sink sink0, sink3;
    t::deterministic_fixture plain, delayed;
    auto s = setup(kind, *model, 2);
    run(plain, s, sink0);
    s.staleness.delay = *sgmc::engine::parse_delay("fixed:3");
    run(delayed, s, sink3);
    const auto& s0 = summary_of(plain);
    const auto& s3 = summary_of(delayed);
    INFO("staleness mean " << s0.staleness.mean() << " -> " << s3.staleness.mean());
    CHECK(s3.staleness.count == s0.staleness.count);
    CHECK(s3.staleness.mean() >= s0.staleness.mean() + 2.0);
    CHECK(s3.draws == s0.draws);
  }
}

TEST_CASE("real sync in the actors samples the SGLD recursion's exact stationary variance",
          "[actors]") {
  // N(0.5, 2) in 2048 independent coordinates, gradient noise s = 2 per worker, W = 2 workers,
  // ε = 0.2, T = 0.8: sync's master chain is θ' = (1 − εP/2) θ + √(εT) ξ − (ε/2) (mean of the
  // W gradient noises), whatever order the actors deliver in (tests/protocols/lyapunov.hpp,
  // sync_scheme): stationary variance 0.18/0.0975 = 1.846, 15% above the posterior's T/P.
  // Tolerance: a draw's variance across 2048 coordinates has a relative standard error
  // √(2/2048) = 3.1%; 200 draws 25 versions apart (correlation 0.95^25 = 0.28 between draws,
  // 0.08 between their squares) bring it to 0.24%, so 2% is 8 standard errors; T missing
  // (+22%), gradient noise not averaged (+11%) or a √2 noise (+100%) fail.
  constexpr std::size_t dim = 2048;
  const sgmc::test::scalar_target tg{0.5, 0.2, 0.8, 4.0};
  auto g = sgmc::models::gaussian::diagonal(Eigen::VectorXd::Constant(dim, 0.5),
                                            Eigen::VectorXd::Constant(dim, 2.0), 2.0);
  REQUIRE(g);
  auto s = setup(p::protocol_kind::sync, **g, 2);
  s.sampler.step_size = tg.eps;
  s.sampler.temperature = tg.T;
  s.schedule = sgmc::samplers::schedule::constant(tg.eps);
  s.run.burnin = 200;
  s.run.thin = 25;
  s.run.steps = s.run.burnin + 200 * s.run.thin;
  t::memory_sink sink;
  t::deterministic_fixture f;
  run(f, s, sink);
  summary_of(f);
  REQUIRE(sink.draws.size() == 200);
  double var = 0.0;
  for (const auto& d : sink.draws) {
    double sum = 0.0;
    for (float x : d.theta) sum += (x - 0.5) * (x - 0.5);
    var += sum / dim / double(sink.draws.size());
  }
  const double exact = sgmc::test::sync_scheme(tg, 2).stationary()(0, 0);
  CAPTURE(var, exact, s.run.seed);
  CHECK(std::abs(var / exact - 1.0) < 0.02);
}

TEST_CASE("real elastic in the actors: one worker and the centre sample the coupled recursion",
          "[actors]") {
  // One worker, so no order of delivery matters: its chain and the centre alternate as the
  // rules say (tests/protocols/lyapunov.hpp, elastic_scheme). N(0.5, 2) in 2048 coordinates,
  // gradient noise s = 2, ε = 0.2, T = 0.8, ρ = 1, α = 0.5, period 4: the worker's stationary
  // variance is 1.440 (0.90 of the posterior's T/P). Draws after local steps that are
  // multiples of the period, 80 steps apart (correlation 0.887^20 = 0.09 per period map):
  // 200 draws give the variance to 0.22%, so 2% is 9 standard errors; 2ρ (−21%) or α/2
  // (−20%) fail.
  constexpr std::size_t dim = 2048;
  const sgmc::test::scalar_target tg{0.5, 0.2, 0.8, 4.0};
  auto g = sgmc::models::gaussian::diagonal(Eigen::VectorXd::Constant(dim, 0.5),
                                            Eigen::VectorXd::Constant(dim, 2.0), 2.0);
  REQUIRE(g);
  auto s = setup(p::protocol_kind::elastic, **g, 1);
  s.protocol.elastic_rho = 1.0;
  s.protocol.elastic_alpha = 0.5;
  s.protocol.elastic_period = 4;
  s.sampler.step_size = tg.eps;
  s.sampler.temperature = tg.T;
  s.schedule = sgmc::samplers::schedule::constant(tg.eps);
  s.run.burnin = 400;
  s.run.thin = 80;
  s.run.steps = s.run.burnin + 200 * s.run.thin;
  t::memory_sink sink;
  t::deterministic_fixture f;
  run(f, s, sink);
  summary_of(f);
  REQUIRE(sink.draws.size() == 200);
  double var = 0.0;
  for (const auto& d : sink.draws) {
    double sum = 0.0;
    for (float x : d.theta) sum += (x - 0.5) * (x - 0.5);
    var += sum / dim / double(sink.draws.size());
  }
  const double exact = sgmc::test::elastic_scheme(tg, 1, 1.0, 0.5, 4).stationary()(1, 1);
  CAPTURE(var, exact, s.run.seed);
  CHECK(std::abs(var / exact - 1.0) < 0.02);
}
