// Determinism: the same config and seed give the same draws, bit for bit, however many threads
// the kernels may use; the sim seed changes the timing and nothing else is random about it.
#include "sim_fixture.hpp"

#include <tbb/global_control.h>

#include <cstring>

namespace e = sgmc::engine;
namespace t = sgmc::test;
using dist = e::duration_spec::distribution;

namespace {

e::run_config random_config() {
  auto cfg = t::sim_config(8, 300);
  cfg.sim.compute = {dist::lognormal, 1e6, 0.7};
  cfg.sim.latency = {dist::exponential, 80e3};
  cfg.sim.master_service = {dist::uniform, 1e3, 20e3};
  cfg.sim.bandwidth_gbps = 2;
  cfg.sim.message_overhead_us = 3;
  cfg.staleness.delay = *e::parse_delay("uniform:0,3");
  cfg.staleness.stragglers = {{2, 2.5}};
  cfg.run.thin = 3;
  return cfg;
}

bool same_bits(const std::vector<sgmc::protocols::draw>& a,
               const std::vector<sgmc::protocols::draw>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].step != b[i].step || a[i].theta.size() != b[i].theta.size()) return false;
    if (std::memcmp(a[i].theta.data(), b[i].theta.data(), a[i].theta.size() * sizeof(float)) != 0)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the same config and seed give the same draws, timing and staleness, bit for bit") {
  auto m = t::gaussian(3000);  // long enough for the kernels to split the vector over threads
  const auto cfg = random_config();
  const auto a = t::simulate(cfg, *m);
  const auto b = t::simulate(cfg, *m);
  CHECK(same_bits(a.draws, b.draws));
  CHECK(a.result.end == b.result.end);
  CHECK(a.result.events == b.result.events);
  CHECK(a.result.report.staleness.hist == b.result.report.staleness.hist);
  const auto c = [&] {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    return t::simulate(cfg, *m);
  }();
  CHECK(same_bits(a.draws, c.draws));
  CHECK(a.result.end == c.result.end);
}

TEST_CASE("another sim seed changes the timing of a run with random durations") {
  auto m = t::gaussian(2);
  auto cfg = random_config();
  const auto a = t::simulate(cfg, *m);
  cfg.sim.seed = 12345;
  const auto b = t::simulate(cfg, *m);
  CHECK(a.result.end != b.result.end);
  CHECK_FALSE(same_bits(a.draws, b.draws));  // other interleavings, other chains
}
