// `sgmc simulate --calibrate`: the lognormal fit on durations with known parameters, and the
// calibration of a run built in memory with known answers (synthetic_run.hpp).
#include "sgmc/tools/calibrate.hpp"
#include "sgmc/tools/config_loader.hpp"
#include "synthetic_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace t = sgmc::tools;
using namespace sgmc::tools::test;
using dist = sgmc::engine::duration_spec::distribution;

namespace {

// Standard errors with n = 20,000 and σ ≤ 0.8: of the median's log, 1.25 σ/√n ≤ 0.007; of the
// local σ (a MAD of differences, efficiency 37 %), about 1.2 σ/√n ≤ 0.007; of σ_all,
// σ/√(2n) ≤ 0.004. The tolerances are four to six of them.
constexpr double k_median_rel_tol = 0.03;
constexpr double k_sigma_tol = 0.03;
constexpr double k_sigma_all_tol = 0.02;
constexpr int k_samples = 20000;

// Durations 1 µs apart in time, lognormal, the ones from index `slow_from` on `slow` times longer.
std::vector<t::timed_duration> lognormal_sample(double median_ns, double sigma, std::uint64_t seed,
                                                int slow_from = k_samples, double slow = 1.0) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<t::timed_duration> v;
  for (int i = 0; i < k_samples; ++i) {
    const double f = i >= slow_from ? slow : 1.0;
    v.push_back({std::int64_t{1000} * i, static_cast<std::int64_t>(std::llround(
                                             f * median_ns * std::exp(sigma * z(gen))))});
  }
  std::shuffle(v.begin(), v.end(), gen);  // the fit orders them by time
  return v;
}

}  // namespace

TEST_CASE("the lognormal fit recovers the median and sigma of independent synthetic durations") {
  struct known {
    double median_ns, sigma;
  };
  // Dense values only (below 65,536 ns), sparse only (ms), and both.
  for (const known k : {known{3000, 0.3}, known{2e6, 0.5}, known{40000, 0.8}}) {
    const std::uint64_t seed = 17 + static_cast<std::uint64_t>(k.median_ns);
    const auto f = t::fit_lognormal(lognormal_sample(k.median_ns, k.sigma, seed));
    INFO("median " << k.median_ns << " sigma " << k.sigma << " seed " << seed << " → "
                   << f.median_ns << ", " << f.sigma);
    CHECK(f.count == k_samples);
    CHECK(std::abs(f.median_ns / k.median_ns - 1.0) < k_median_rel_tol);
    CHECK(std::abs(f.sigma - k.sigma) < k_sigma_tol);
    CHECK(std::abs(f.sigma_all - k.sigma) < k_sigma_all_tol);
  }
}

TEST_CASE("the local sigma leaves out a slow phase that the sigma of all durations takes in") {
  // The second half 4x slower: ln 4 = 1.39 between the halves, shared by every duration.
  const auto f = t::fit_lognormal(lognormal_sample(5000, 0.3, 99, k_samples / 2, 4.0));
  INFO("sigma " << f.sigma << " of all " << f.sigma_all);
  CHECK(std::abs(f.sigma - 0.3) < k_sigma_tol);
  CHECK(f.sigma_all > 0.7);
}

TEST_CASE("the lognormal fit of constant durations has sigma 0, and of nothing count 0") {
  std::vector<t::timed_duration> d;
  for (int i = 0; i < 10; ++i) d.push_back({i, 70000});
  const auto f = t::fit_lognormal(d);
  CHECK(f.count == 10);
  CHECK(f.median_ns == Approx(70000));
  CHECK(f.sigma == Approx(0.0).margin(1e-12));
  CHECK(f.sigma_all == Approx(0.0).margin(1e-12));
  CHECK(t::fit_lognormal({}).count == 0);
  // Zero durations count as 1 ns (ln 0 is not a number).
  CHECK(t::fit_lognormal({{0, 0}, {1, 0}}).median_ns == Approx(1.0));
}

TEST_CASE("a fit becomes a duration that parses back, rounded and within the ranges of [sim]") {
  const auto d = t::to_duration({5, 123456.7, 0.43219, 0.5});
  CHECK(d.dist == dist::lognormal);
  CHECK(d.a == Approx(123500));
  CHECK(d.b == Approx(0.432));
  auto back = sgmc::engine::parse_duration(sgmc::engine::to_string(d), "sim.compute");
  REQUIRE(back);
  CHECK(back->a == Approx(d.a));
  CHECK(back->b == Approx(d.b));
  const auto wide = t::to_duration({5, 0.2, 9.0, 9.0});
  CHECK(wide.a == 1.0);
  CHECK(wide.b == sgmc::engine::k_max_lognormal_sigma);
}

TEST_CASE("calibration fits compute and latency of a run with known answers and loads as config") {
  const auto run = synthetic_run(50);
  auto c = t::calibrate(run);
  REQUIRE(c);
  CHECK(c->workers == 2);
  CHECK(c->shards == 1);
  CHECK(c->compute.count == 100);
  CHECK(c->compute.median_ns == Approx(kCompute));
  CHECK(c->compute.sigma == Approx(0.0).margin(1e-9));
  // 50 pulls and 50 pushes per worker to the master, 50 params back: clock offsets applied.
  CHECK(c->latency.count == 300);
  CHECK(c->latency.median_ns == Approx(kLatency).epsilon(1e-6));
  CHECK(c->latency_to_master.count == 200);
  CHECK(c->latency_to_workers.count == 100);
  CHECK(c->master_service.count == 0);  // no apply spans: the default is kept
  const auto text = t::format_sim_section(*c);
  INFO(text);
  CHECK(text.find("# 100 compute spans of 2 workers") != std::string::npos);
  CHECK(text.find("# 300 messages worker ↔ master") != std::string::npos);
  CHECK(text.find("master_service: no apply spans") != std::string::npos);
  // The section is valid config: appended to a config, it sets [sim].
  auto cfg = t::parse_config("name = \"x\"\n[model]\nkind = \"gaussian\"\nmean = [0.0]\n" + text,
                             "calibrated.toml");
  REQUIRE(cfg);
  CHECK(cfg->sim.compute.dist == dist::lognormal);
  CHECK(cfg->sim.compute.a == Approx(kCompute));
  CHECK(cfg->sim.latency.a == Approx(kLatency));
  CHECK(cfg->sim.bandwidth_gbps == 0.0);
  CHECK(cfg->sim.message_overhead_us == 0.0);
  CHECK(cfg->sim.master_service.dist == dist::fixed);
}

TEST_CASE("calibration refuses version-1 traces, traces of several runs and runs without spans") {
  const auto v1 = synthetic_run(5, 1);
  auto r1 = t::calibrate(v1);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().message.find("version-1") != std::string::npos);

  auto run = synthetic_run(5);
  std::vector<t::trace_node> nodes = std::move(run.nodes);
  auto stale = nodes[1];
  stale.file.node = "worker-2";
  stale.file.run_id[0] = 9;
  nodes.push_back(stale);
  const auto mixed = t::make_trace_run(std::move(nodes));
  auto r2 = t::calibrate(mixed);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("several runs") != std::string::npos);

  auto bare = synthetic_run(5);
  for (auto& n : bare.nodes)
    std::erase_if(n.file.events, [](const sgmc::engine::trace_event& e) {
      return e.dir == sgmc::engine::trace_direction::span;
    });
  auto r3 = t::calibrate(bare);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message.find("no compute spans") != std::string::npos);
  for (const auto* r : {&r1, &r2, &r3}) CHECK(r->error().message.find('\n') == std::string::npos);
}
