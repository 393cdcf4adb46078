// [sim] durations: their syntax, their ranges, and draws that depend only on their key.
#include "sgmc/engine/sim_params.hpp"
#include "sgmc/sim/timing.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace e = sgmc::engine;
namespace s = sgmc::sim;

TEST_CASE("durations parse with units and write back to the same value") {
  for (const std::string text : {"fixed:1ms", "fixed:50us", "uniform:1ms,3ms", "exp:2ms",
                                 "lognormal:2ms,0.5", "fixed:0ns", "fixed:1.5s", "fixed:250ns"}) {
    auto d = e::parse_duration(text, "sim.compute");
    INFO(text);
    REQUIRE(d);
    CHECK(e::to_string(*d) == text);
  }
  auto bare = e::parse_duration("2ms", "sim.compute");
  REQUIRE(bare);
  CHECK(bare->a == 2e6);
  auto colon = e::parse_duration("uniform:1ms:3ms", "sim.compute");
  REQUIRE(colon);
  CHECK(colon->b == 3e6);
}

TEST_CASE("a bad duration is one error naming the key and the text") {
  for (const std::string text :
       {"fast", "fixed:2", "fixed:-1ms", "uniform:3ms,1ms", "exp:0ms", "lognormal:2ms,9",
        "gamma:1ms", "fixed:2h", "fixed:2ho urs", "fixed:7200s"}) {
    auto d = e::parse_duration(text, "sim.latency");
    INFO(text);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == sgmc::errc::invalid_config);
    CHECK(d.error().message.find("sim.latency") == 0);
    CHECK(d.error().message.find(text) != std::string::npos);
  }
}

TEST_CASE("draws depend only on seed, purpose, entity and index, and have the stated mean") {
  auto d = e::parse_duration("exp:2ms", "k");
  REQUIRE(d);
  const auto a = s::draw(*d, 5, s::draw_purpose::compute, 3, 17);
  CHECK(a == s::draw(*d, 5, s::draw_purpose::compute, 3, 17));
  CHECK(a != s::draw(*d, 5, s::draw_purpose::compute, 4, 17));
  CHECK(a != s::draw(*d, 5, s::draw_purpose::latency, 3, 17));
  constexpr int n = 20000;
  for (const char* text : {"exp:2ms", "uniform:1ms,3ms", "lognormal:2ms,0.5"}) {
    auto spec = e::parse_duration(text, "k");
    REQUIRE(spec);
    double sum = 0;
    for (int i = 0; i < n; ++i)
      sum += static_cast<double>(s::draw(*spec, 9, s::draw_purpose::compute, 0, i));
    INFO(text);
    // 4 standard errors of the mean (σ <= 1.2 · mean for these three).
    CHECK(sum / n == Approx(e::mean_ns(*spec)).epsilon(4 * 1.2 / 141.0));
  }
  auto fixed = e::parse_duration("fixed:1.25us", "k");
  REQUIRE(fixed);
  CHECK(s::draw(*fixed, 1, s::draw_purpose::service, 0, 0) == 1250);
}
