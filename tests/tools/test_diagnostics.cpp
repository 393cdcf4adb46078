// ESS, R-hat and MCSE (tools/diagnostics.hpp) on chains with known answers (AR(1) processes,
// independent draws, stuck and shifted chains) and against an independent numpy reference
// (tests/tools/diagnostics_reference.py).
#include "sgmc/tools/diagnostics.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

using sgmc::tools::chain_draws;

namespace {

constexpr double k_ess_rel_tol = 0.15;    // Geyer's estimate of τ at 4×5000 draws
constexpr double k_reference_tol = 1e-9;  // same estimator, two implementations in double

// M chains of x_t = ρ x_{t−1} + sqrt(1 − ρ²) ε_t, stationary N(0, 1) from the start, plus
// offset[c].
chain_draws ar1(std::size_t chains, std::size_t draws, double rho, std::uint64_t seed,
                const std::vector<double>& offset = {}) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  chain_draws d{chains, draws, std::vector<double>(chains * draws)};
  const double s = std::sqrt(1 - rho * rho);
  for (std::size_t c = 0; c < chains; ++c) {
    double x = normal(gen);
    for (std::size_t t = 0; t < draws; ++t) {
      if (t > 0) x = rho * x + s * normal(gen);
      d.values[c * draws + t] = x + (offset.empty() ? 0.0 : offset[c]);
    }
  }
  return d;
}

std::map<std::string, double> reference(const chain_draws& d, const std::string& tag) {
  sgmc::test::tmp_dir dir("diag-" + tag);
  const std::string file = dir.file("chains.txt");
  std::ofstream out(file);
  for (std::size_t c = 0; c < d.chains; ++c) {
    for (double v : d.chain(c)) out << fmt::format("{:.17g} ", v);
    out << '\n';
  }
  out.close();
  auto r = sgmc::test::run_command(std::string(SGMC_PYTHON) + " " + SGMC_SOURCE_DIR +
                                   "/tests/tools/diagnostics_reference.py " + file);
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::map<std::string, double> values;
  std::istringstream in(r.output);
  std::string name;
  double v = 0;
  while (in >> name >> v) values[name] = v;
  REQUIRE(values.size() == 6);
  return values;
}

void check_against_reference(const chain_draws& d, const std::string& tag) {
  const auto ref = reference(d, tag);
  const auto s = sgmc::tools::summarize(d);
  CHECK(s.rhat == Approx(ref.at("rhat")).epsilon(k_reference_tol));
  CHECK(s.ess_bulk == Approx(ref.at("ess_bulk")).epsilon(k_reference_tol));
  CHECK(s.ess_tail == Approx(ref.at("ess_tail")).epsilon(k_reference_tol));
  CHECK(s.mcse_mean == Approx(ref.at("mcse_mean")).epsilon(k_reference_tol));
  CHECK(s.q05 == Approx(ref.at("q05")).epsilon(k_reference_tol));
  CHECK(s.q50 == Approx(ref.at("q50")).epsilon(k_reference_tol));
}

}  // namespace

TEST_CASE("autocovariance by FFT equals the direct sum at every lag", "[diagnostics]") {
  const auto d = ar1(1, 257, 0.6, 7);
  const auto acov = sgmc::tools::autocovariance(d.chain(0));
  const auto x = d.chain(0);
  double mean = 0;
  for (double v : x) mean += v / static_cast<double>(x.size());
  for (std::size_t t : {0u, 1u, 2u, 50u, 256u}) {
    double direct = 0;
    for (std::size_t i = 0; i + t < x.size(); ++i) direct += (x[i] - mean) * (x[i + t] - mean);
    CHECK(acov[t] == Approx(direct / static_cast<double>(x.size())).margin(1e-12));
  }
}

TEST_CASE("bulk ESS of AR(1) chains approaches S (1 − ρ)/(1 + ρ)", "[diagnostics]") {
  for (double rho : {0.5, 0.9, -0.3}) {
    const auto d = ar1(4, 5000, rho, 11);
    const double expected = 20000.0 * (1 - rho) / (1 + rho);
    INFO("rho " << rho);
    CHECK(sgmc::tools::ess_bulk(d) == Approx(expected).epsilon(k_ess_rel_tol));
    CHECK(sgmc::tools::ess_mean(d) == Approx(expected).epsilon(k_ess_rel_tol));
    CHECK(sgmc::tools::rhat(d) < 1.01);
  }
}

TEST_CASE("independent draws have ESS near S and R-hat near 1", "[diagnostics]") {
  const auto d = ar1(4, 1000, 0.0, 3);
  const auto s = sgmc::tools::summarize(d);
  CHECK(s.ess_bulk == Approx(4000).epsilon(0.1));
  CHECK(s.ess_tail == Approx(4000).epsilon(0.2));
  CHECK(s.rhat == Approx(1.0).margin(0.01));
  CHECK(s.mean == Approx(0.0).margin(0.1));
  CHECK(s.sd == Approx(1.0).epsilon(0.05));
  // MCSE of the mean: sd/sqrt(S); of the median: sqrt(p(1−p)/S)/φ(0) = 1.2533/sqrt(S).
  CHECK(s.mcse_mean == Approx(1.0 / std::sqrt(4000.0)).epsilon(0.1));
  CHECK(s.mcse_q50 == Approx(1.2533 / std::sqrt(4000.0)).epsilon(0.25));
}

TEST_CASE("chains with different means give R-hat far above 1", "[diagnostics]") {
  const auto d = ar1(4, 1000, 0.5, 5, {0.0, 0.0, 3.0, -3.0});
  CHECK(sgmc::tools::rhat(d) > 1.5);
}

TEST_CASE("a chain that does not move gives R-hat far above 1", "[diagnostics]") {
  auto d = ar1(4, 1000, 0.5, 9);
  for (std::size_t t = 0; t < d.draws; ++t) d.values[3 * d.draws + t] = 2.5;  // stuck
  CHECK(sgmc::tools::rhat(d) > 1.1);
}

TEST_CASE("one chain that drifts has split R-hat far above 1", "[diagnostics]") {
  auto d = ar1(1, 2000, 0.5, 13);
  for (std::size_t t = 0; t < d.draws; ++t) d.values[t] += 4.0 * static_cast<double>(t) / 2000.0;
  CHECK(sgmc::tools::rhat(d) > 1.5);
  const auto still = ar1(1, 2000, 0.5, 13);
  CHECK(sgmc::tools::rhat(still) < 1.02);
}

TEST_CASE("a constant quantity has ESS S and R-hat NaN", "[diagnostics]") {
  chain_draws d{2, 10, std::vector<double>(20, 1.5)};
  CHECK(sgmc::tools::ess_bulk(d) == Approx(20.0));
  CHECK(std::isnan(sgmc::tools::rhat(d)));
}

TEST_CASE("fewer than 4 draws per chain give NaN statistics", "[diagnostics]") {
  chain_draws d{2, 3, {1, 2, 3, 4, 5, 6}};
  CHECK(std::isnan(sgmc::tools::ess_bulk(d)));
  CHECK(std::isnan(sgmc::tools::rhat(d)));
}

TEST_CASE("diagnostics equal an independent numpy implementation", "[diagnostics]") {
  SECTION("four AR(1) chains") { check_against_reference(ar1(4, 1000, 0.8, 21), "ar1"); }
  SECTION("one chain of odd length") { check_against_reference(ar1(1, 501, 0.3, 22), "odd"); }
  SECTION("chains with ties and shifted means") {
    auto d = ar1(3, 400, 0.95, 23, {0.0, 0.5, 1.0});
    for (double& v : d.values) v = std::round(v * 4.0) / 4.0;
    check_against_reference(d, "ties");
  }
  SECTION("anticorrelated chains") { check_against_reference(ar1(2, 300, -0.7, 24), "anti"); }
}
