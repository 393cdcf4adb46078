// System tests: the sampler's physical keys reach the kernel through the config and the command
// line, checked by what they do to the draws (a key bound to the wrong field passes a config
// round trip, not these).
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";

/// The draws of `sgmc run gaussian-2d.toml --set ...` (chain 0, rows × 2).
sgmc::engine::npy_matrix draws(const tmp_dir& dir, const std::string& name,
                               const std::string& sets) {
  const auto out = dir.file(name);
  auto r = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + out + " " + sets);
  INFO(r.output);
  REQUIRE(r.status == 0);
  auto m = sgmc::engine::read_npy_f32(out + "/samples/chain-0.npy");
  REQUIRE(m.has_value());
  REQUIRE(m->cols == 2);
  return std::move(*m);
}

double variance(const sgmc::engine::npy_matrix& m, std::size_t col) {
  double mean = 0, sq = 0;
  for (std::uint64_t r = 0; r < m.rows; ++r) mean += m.row(r)[col];
  mean /= static_cast<double>(m.rows);
  for (std::uint64_t r = 0; r < m.rows; ++r) sq += std::pow(m.row(r)[col] - mean, 2);
  return sq / static_cast<double>(m.rows - 1);
}

/// Autocorrelation at lag k.
double acf(const sgmc::engine::npy_matrix& m, std::size_t col, std::uint64_t k) {
  double mean = 0;
  for (std::uint64_t r = 0; r < m.rows; ++r) mean += m.row(r)[col];
  mean /= static_cast<double>(m.rows);
  double c0 = 0, c1 = 0;
  for (std::uint64_t r = 0; r < m.rows; ++r) {
    const double d = m.row(r)[col] - mean;
    c0 += d * d;
    if (r + k < m.rows) c1 += d * (m.row(r + k)[col] - mean);
  }
  return c1 / c0;
}

}  // namespace

TEST_CASE("sampler.temperature reaches the kernel: T = 0.5 halves the stationary variance",
          "[system]") {
  // SGLD targets exp(−U/T): on the 2-D Gaussian (variances 1) the draws' variances scale with
  // T. Same seed, so both runs draw the same noise: the ratio is 0.5 up to the SGLD bias's
  // T-independence and the burn-in, well inside ±0.05 (a T bound to another key gives 1).
  tmp_dir dir("sampler-temperature");
  const auto one = draws(dir, "t1", "--set sampler.temperature=1");
  const auto half = draws(dir, "t05", "--set sampler.temperature=0.5");
  for (std::size_t col = 0; col < 2; ++col) {
    INFO("coordinate " << col);
    CHECK(variance(one, col) == Approx(1.0).margin(0.15));
    CHECK(variance(half, col) / variance(one, col) == Approx(0.5).margin(0.05));
  }
  // And SGHMC's temperature too.
  const auto h1 = draws(dir, "h1", "--set sampler.kind=sghmc --set sampler.friction=0.5");
  const auto h05 = draws(dir, "h05",
                         "--set sampler.kind=sghmc --set sampler.friction=0.5 "
                         "--set sampler.temperature=0.5");
  for (std::size_t col = 0; col < 2; ++col)
    CHECK(variance(h05, col) / variance(h1, col) == Approx(0.5).margin(0.05));
}

TEST_CASE("sampler.friction reaches the SGHMC kernel: low friction mixes slower, same variance",
          "[system]") {
  // SGHMC (Chen et al. 2014, eq. 15): friction α damps the momentum. Its stationary variance
  // does not depend on α, its autocorrelation does: at α = 0.02 the momentum carries θ along
  // (an oscillation of about 190 steps in the slow direction at η = 0.002), at α = 1 every step
  // forgets it (a random walk, SGLD with ε = 2η). Measured at lag 100 (thin 1): about −0.36
  // against 0.80. A friction key bound to another field leaves the two runs alike.
  tmp_dir dir("sampler-friction");
  const std::string common =
      "--set sampler.kind=sghmc --set sampler.step_size=0.002 --set run.thin=1 "
      "--set run.steps=40000 ";
  const auto low = draws(dir, "low", common + "--set sampler.friction=0.02");
  const auto high = draws(dir, "high", common + "--set sampler.friction=1");
  for (std::size_t col = 0; col < 2; ++col) {
    INFO("coordinate " << col << ": autocorrelation at lag 100 " << acf(low, col, 100)
                       << " (α = 0.02) vs " << acf(high, col, 100) << " (α = 1); variances "
                       << variance(low, col) << ", " << variance(high, col));
    CHECK(acf(low, col, 100) < 0.3);
    CHECK(acf(high, col, 100) > 0.6);
    CHECK(variance(low, col) == Approx(1.0).margin(0.35));
    CHECK(variance(high, col) == Approx(1.0).margin(0.35));
  }
}
