// Step-size schedules: their values.

#include "sgmc/samplers/schedule.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

namespace {
namespace sm = sgmc::samplers;
// Closed forms evaluated in double on both sides: only rounding separates them.
constexpr double kScheduleRelTol = 1e-12;
}  // namespace

TEST_CASE("the constant schedule keeps its step size", "[samplers][schedule]") {
  sm::schedule_params p;
  auto s = sm::schedule::make(p, 0.25, 1000);
  REQUIRE(s.has_value());
  for (std::uint64_t t : {0ull, 1ull, 1000ull, 1ull << 40}) CHECK(s->at(t) == 0.25);
  CHECK(sm::schedule::constant(0.5).at(7) == 0.5);
}

TEST_CASE("the polynomial schedule is a (b + t)^(−γ) with a = ε b^γ", "[samplers][schedule]") {
  sm::schedule_params p;
  p.kind = sm::schedule_kind::polynomial;
  p.step_size_offset = 10.0;
  p.step_size_decay = 0.55;
  auto s = sm::schedule::make(p, 0.1, 1000);
  REQUIRE(s.has_value());
  const double a = 0.1 * std::pow(10.0, 0.55);
  for (std::uint64_t t : {0ull, 1ull, 90ull, 12345ull}) {
    const double want = a * std::pow(10.0 + double(t), -0.55);
    CHECK(s->at(t) == Approx(want).epsilon(kScheduleRelTol));
  }
  CHECK(s->at(0) == Approx(0.1).epsilon(kScheduleRelTol));
  CHECK(s->at(90) == Approx(0.1 * std::pow(0.1, 0.55)).epsilon(kScheduleRelTol));
  p.step_size_decay = 0.0;  // γ = 0 is the constant schedule
  CHECK(sm::schedule::make(p, 0.1, 1000)->at(500) == Approx(0.1).epsilon(kScheduleRelTol));
}

TEST_CASE("the cyclical schedule restarts every ⌈K/M⌉ steps", "[samplers][schedule]") {
  sm::schedule_params p;
  p.kind = sm::schedule_kind::cyclical;
  p.step_size_cycles = 5;  // cycles of 20 steps, K = 100
  auto s = sm::schedule::make(p, 0.2, 100);
  REQUIRE(s.has_value());
  CHECK(s->at(0) == Approx(0.2).epsilon(kScheduleRelTol));
  CHECK(s->at(10) == Approx(0.1).epsilon(kScheduleRelTol));  // half way: cos(π/2) = 0
  CHECK(s->at(20) == Approx(0.2).epsilon(kScheduleRelTol));  // the next cycle
  CHECK(s->at(19) ==
        Approx(0.1 * (std::cos(std::numbers::pi * 19 / 20) + 1)).epsilon(kScheduleRelTol));
  CHECK(s->at(119) == Approx(s->at(19)).epsilon(kScheduleRelTol));  // past K it keeps cycling
  // K = 101: ⌈101/5⌉ = 21
  CHECK(sm::schedule::make(p, 0.2, 101)->at(21) == Approx(0.2).epsilon(kScheduleRelTol));
}
