// What each protocol samples, exactly: on a quadratic U = (P/2)|θ − μ|² over many independent
// coordinates, every protocol with a deterministic schedule is a linear recursion per
// coordinate whose stationary covariance lyapunov.hpp derives from the rules. The driver runs
// the protocol objects in that schedule; the variance across coordinates, averaged over
// well-separated snapshots at the period's phase, must match the derived one.
//
// Tolerance: D = 4096 coordinates give one snapshot's variance to a relative standard error
// of √(2/D) = 2.2%; snapshots are spaced so that the correlation between successive ones is
// ≤ 0.1 (that of their squares ≤ 0.01), so K = 64 of them bring it to √(2/(D K)) = 0.28%.
// 2% is 7 standard errors: never by chance, while a √2 error in a noise, an ε doubled, or an
// α or ρ off by a factor of two moves the predicted variance by far more (each case's
// sensitivity to such a bug is printed on failure and checked below: ≥ 2 tolerances).

#include "helpers.hpp"
#include "lyapunov.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

namespace {

using namespace sgmc::test;
using Eigen::Index;

constexpr std::size_t kDim = 4096;
constexpr double kMean = 0.5, kVariance = 2.0;  // quadratic_source's target: P = 1/2
constexpr int kSnapshots = 64;
constexpr double kRelTol = 0.02;

/// A variable of the scheme and where the driver holds it.
struct probe {
  std::string name;
  Index var;
  std::function<std::vector<float>(protocol_driver&)> read;
};

probe master_theta(Index var, const char* name = "master theta") {
  return {name, var, [](protocol_driver& d) { return d.theta(); }};
}
probe worker_theta(Index var, pr::worker_id w) {
  return {"worker " + std::to_string(w) + " theta", var, [w](protocol_driver& d) {
            auto x = d.worker(w).theta();
            return std::vector<float>(x.begin(), x.end());
          }};
}

struct stationary_case {
  protocol_driver_config cfg;
  linear_scheme scheme;
  std::uint32_t computes_per_period;  ///< local steps (or pushes) of all workers in one period
  int prefer = -1;                    ///< a worker whose compute always goes first, or −1
  std::uint64_t transient = 0;        ///< extra periods before the periodic regime
  std::vector<probe> probes;
};

scalar_target target(double eps, double T, double s) { return {1.0 / kVariance, eps, T, s * s}; }

protocol_driver_config base_config(pr::protocol_kind kind, std::uint32_t workers,
                                   const scalar_target& t, double grad_noise) {
  protocol_driver_config c = quadratic_config(kind, workers, 1, kDim, 1, grad_noise);
  c.sampler.step_size = t.eps;
  c.sampler.temperature = t.T;
  for (float& x : c.theta0)  // an exact draw of the posterior
    x = static_cast<float>(kMean + std::sqrt(t.posterior_variance()) * x);
  c.run.thin = 1'000'000;  // no draws: the test reads the state itself
  c.on_draw = [](const pr::draw&) {};
  c.source = [grad_noise](pr::worker_id) {
    return std::make_unique<quadratic_source>(kDim, kMean, kVariance, grad_noise);
  };
  return c;
}

/// Every queued message at once, then one compute: `prefer`'s if it has one queued, else the
/// first queued. Returns the worker that computed.
pr::worker_id next_compute(protocol_driver& d, int prefer) {
  for (;;) {
    auto r = d.deliver_first([](const driver_event& e) { return !e.compute; });
    if (!r) FAIL(r.error().message);
    if (!*r) break;
  }
  for (const auto& e : d.pending())
    if (e.compute && (prefer < 0 || int(e.from.index) == prefer)) {
      const pr::worker_id w = e.from.index;
      auto r = d.deliver_first(compute_of(w));
      if (!r) FAIL(r.error().message);
      return w;
    }
  if (prefer >= 0) return next_compute(d, -1);
  FAIL("no compute queued");
  return 0;
}

void drain_messages(protocol_driver& d) {
  for (;;) {
    auto r = d.deliver_first([](const driver_event& e) { return !e.compute; });
    if (!r) FAIL(r.error().message);
    if (!*r) return;
  }
}

/// The covariance of the probed variables across coordinates, averaged over the snapshots,
/// next to the scheme's stationary one.
struct result {
  Eigen::MatrixXd measured, exact;
  std::vector<std::string> names;
};

result run_case(stationary_case c) {
  const double rho = c.scheme.spectral_radius();
  REQUIRE(rho < 1.0);
  // Burn-in: the start is an exact posterior draw, so the covariance is off by O(ρ^(2k)).
  const auto burnin = std::uint64_t(std::ceil(std::log(1e-4) / (2.0 * std::log(rho)))) + 2;
  const auto spacing = std::uint64_t(std::ceil(std::log(0.1) / std::log(rho)));
  const std::uint64_t periods = c.transient + burnin + spacing * kSnapshots;
  c.cfg.run.steps = 4 * periods * c.computes_per_period + 100;  // never reached
  c.cfg.run.burnin = 0;
  auto d = make_driver(c.cfg);
  SGMC_REQUIRE_OK(d->start());
  const Eigen::MatrixXd S = c.scheme.stationary();
  const auto n = Index(c.probes.size());
  result r{Eigen::MatrixXd::Zero(n, n), Eigen::MatrixXd::Zero(n, n), {}};
  for (Index a = 0; a < n; ++a) {
    r.names.push_back(c.probes[a].name);
    for (Index b = 0; b < n; ++b) r.exact(a, b) = S(c.probes[a].var, c.probes[b].var);
  }
  for (std::uint64_t p = 1; p <= periods; ++p) {
    for (std::uint32_t k = 0; k < c.computes_per_period; ++k) next_compute(*d, c.prefer);
    drain_messages(*d);
    if (p <= c.transient + burnin || (p - c.transient - burnin) % spacing != 0) continue;
    std::vector<std::vector<float>> x;
    for (const auto& pb : c.probes) x.push_back(pb.read(*d));
    for (Index a = 0; a < n; ++a)
      for (Index b = 0; b <= a; ++b) {
        double sum = 0.0;
        for (std::size_t j = 0; j < kDim; ++j) sum += (x[a][j] - kMean) * (x[b][j] - kMean);
        r.measured(a, b) += sum / double(kDim) / kSnapshots;
        r.measured(b, a) = r.measured(a, b);
      }
  }
  return r;
}

/// Every probed variance within kRelTol of the exact one, every covariance within kRelTol of
/// √(S_aa S_bb).
void check(const result& r) {
  std::printf("%s\n", Catch::getResultCapture().getCurrentTestName().c_str());
  for (Index a = 0; a < r.measured.rows(); ++a)
    for (Index b = 0; b <= a; ++b) {
      const double scale = std::sqrt(r.exact(a, a) * r.exact(b, b));
      std::printf("  %s, %s: measured %.4f, exact %.4f (%+.2f%% of the scale)\n",
                  r.names[a].c_str(), r.names[b].c_str(), r.measured(a, b), r.exact(a, b),
                  100.0 * (r.measured(a, b) - r.exact(a, b)) / scale);
      CAPTURE(r.names[a], r.names[b], r.measured(a, b), r.exact(a, b), kVariance);
      CHECK(std::abs(r.measured(a, b) - r.exact(a, b)) < kRelTol * scale);
    }
}

/// The relative change of S(var, var) from `good` to `bad`: how far a plausible bug moves it.
double sensitivity(const linear_scheme& good, const linear_scheme& bad, Index var) {
  return std::abs(bad.stationary()(var, var) / good.stationary()(var, var) - 1.0);
}

}  // namespace

TEST_CASE("sync samples the SGLD recursion with the gradient noise averaged over W",
          "[protocols][stationary]") {
  const scalar_target t = target(0.2, 0.8, 1.5);
  const int W = 4;
  auto cfg = base_config(pr::protocol_kind::sync, W, t, 1.5);
  stationary_case c{cfg, sync_scheme(t, W), W, -1, 0, {master_theta(0)}};
  // Gradients summed, not averaged: the drift and noise W× — or noise not averaged.
  CHECK(sensitivity(c.scheme, sync_scheme(t, 1), 0) > 2 * kRelTol);
  const result r = run_case(c);
  CAPTURE(r.exact(0, 0) / (t.T * kVariance));
  check(r);
}

TEST_CASE("async with W workers in turn samples the recursion with W - 1 stale gradients",
          "[protocols][stationary]") {
  const scalar_target t = target(0.5, 0.8, 1.0);
  const int W = 4;
  auto cfg = base_config(pr::protocol_kind::async, W, t, 1.0);
  stationary_case c{cfg, async_scheme(t, W),
                    W,   -1,
                    0,   {master_theta(0), worker_theta(1, 0), worker_theta(W, W - 1)}};
  // Fresh gradients (staleness 0) instead of W − 1 versions old:
  CHECK(sensitivity(c.scheme, async_scheme(t, 1), 0) > 2 * kRelTol);
  const result r = run_case(c);
  check(r);
}

TEST_CASE("ssp with a fast worker held by the bound samples its lock-step recursion",
          "[protocols][stationary]") {
  // Worker 0 computes whenever it can. Unbounded (async) it would starve worker 1; the bound
  // s = 2 makes the pair alternate after the first s + 1 pushes (lyapunov.hpp, ssp_scheme).
  // The periodic law itself does not depend on s, but its phase does: the snapshots are taken
  // after 2k computes, which ends a period (after worker 1's push) only if worker 0 made
  // exactly s + 1 pushes before blocking, so a bound off by one fails here too.
  const scalar_target t = target(0.8, 0.8, 1.0);
  auto cfg = base_config(pr::protocol_kind::ssp, 2, t, 1.0);
  cfg.protocol.staleness_bound = 2;
  stationary_case c{cfg, ssp_scheme(t), 2, 0, 4, {master_theta(0)}};
  // The alternative orders: both fresh (a single chain), both one version stale (async).
  CHECK(sensitivity(c.scheme, sync_scheme(t, 1), 0) > 2 * kRelTol);
  CHECK(sensitivity(c.scheme, async_scheme(t, 2), 0) > 2 * kRelTol);
  const result r = run_case(c);
  check(r);
}

TEST_CASE("downpour with push_every 2 and pull_every 3 samples its local-step recursion",
          "[protocols][stationary]") {
  const scalar_target t = target(0.2, 0.8, 1.0);
  const int W = 2, push = 2, pull = 3;
  auto cfg = base_config(pr::protocol_kind::downpour, W, t, 1.0);
  cfg.protocol.push_every = push;
  cfg.protocol.pull_every = pull;
  stationary_case c{cfg,
                    downpour_scheme(t, W, push, pull),
                    W * std::uint32_t(std::lcm(push, pull)),
                    -1,
                    0,
                    {master_theta(0), worker_theta(1, 0), worker_theta(3, 1)}};
  scalar_target t2 = t;
  t2.eps *= 2.0;  // a doubled local step size
  CHECK(sensitivity(c.scheme, downpour_scheme(t2, W, push, pull), 0) > 2 * kRelTol);
  const result r = run_case(c);
  check(r);
}

TEST_CASE("elastic's worker chains and centre sample the coupled recursion",
          "[protocols][stationary]") {
  // The defaults ρ = 1, α = 0.1, τ = 10, two workers, as in the variance ratios users see.
  const scalar_target t = target(0.2, 0.8, 1.0);
  const int W = 2, period = 10;
  const double rho = 1.0, alpha = 0.1;
  auto cfg = base_config(pr::protocol_kind::elastic, W, t, 1.0);
  cfg.protocol.elastic_rho = rho;
  cfg.protocol.elastic_alpha = alpha;
  cfg.protocol.elastic_period = period;
  stationary_case c{
      cfg,        elastic_scheme(t, W, rho, alpha, period),
      W * period, -1,
      0,          {worker_theta(1, 0), worker_theta(2, 1), master_theta(0, "centre")}};
  CHECK(sensitivity(c.scheme, elastic_scheme(t, W, 2 * rho, alpha, period), 1) > 2 * kRelTol);
  CHECK(sensitivity(c.scheme, elastic_scheme(t, W, rho, 2 * alpha, period), 0) > 2 * kRelTol);
  const result r = run_case(c);
  CAPTURE(r.exact(0, 0) / (t.T * kVariance), r.exact(2, 2) / (t.T * kVariance));
  check(r);
}

namespace {

// Var / (T/P) of a scheme's variable at P = 1, T = 1, ε = εP.
double ratio(const linear_scheme& s, Index var) { return s.stationary()(var, var); }

scalar_target unit_target(double eps_p) { return {1.0, eps_p, 1.0, 0.0}; }

}  // namespace

// The numbers of docs/protocols.md, "What each protocol samples": printed by
//   build/release/tests/protocols/sgmc_protocols_tests "[table]" -s
TEST_CASE("the stationary variance tables of docs/protocols.md", "[protocols][stationary][table]") {
  std::printf("Var / (T/P) of the master chain, no gradient noise\n");
  std::printf(
      "| εP | sync | async, W = 4 | ssp, fast worker | downpour, W = 4 | downpour, W = 4, "
      "push 4, pull 2 |\n");
  for (double e : {1e-4, 1e-3, 1e-2, 1e-1}) {
    const scalar_target t = unit_target(e);
    std::printf("| %g | %.4f | %.4f | %.4f | %.4f | %.4f |\n", e, ratio(sync_scheme(t, 4), 0),
                ratio(async_scheme(t, 4), 0), ratio(ssp_scheme(t), 0),
                ratio(downpour_scheme(t, 4, 1, 1), 0), ratio(downpour_scheme(t, 4, 4, 2), 0));
  }
  for (int W : {2, 4}) {
    std::printf("\nelastic, W = %d, τ = 10, εP = 1e-4: worker Var / (T/P) (centre)\n", W);
    std::printf("| ρ/P | α = 0.1 | α = 0.5 | α = 1 |\n");
    for (double rho : {0.1, 1.0, 10.0}) {
      std::printf("| %g |", rho);
      for (double alpha : {0.1, 0.5, 1.0}) {
        const auto S = elastic_scheme(unit_target(1e-4), W, rho, alpha, 10).stationary();
        std::printf(" %.3f (%.3f) |", S(1, 1), S(0, 0));
      }
      std::printf("\n");
    }
  }
  std::printf("\nelastic, W = 2, ρ = P, α = 0.1: worker Var / (T/P) (centre) by period\n");
  std::printf("| εP | τ = 1 | τ = 10 | τ = 100 |\n");
  for (double e : {1e-4, 1e-3, 1e-2}) {
    std::printf("| %g |", e);
    for (int tau : {1, 10, 100}) {
      const auto S = elastic_scheme(unit_target(e), 2, 1.0, 0.1, tau).stationary();
      std::printf(" %.3f (%.3f) |", S(1, 1), S(0, 0));
    }
    std::printf("\n");
  }
}

TEST_CASE("the closed forms of docs/protocols.md agree with the Lyapunov solution",
          "[protocols][stationary]") {
  // sync: (T + εs²/(4W)) / (P(1 − εP/4)), exactly.
  const scalar_target t{0.5, 0.2, 0.8, 4.0};
  for (int W : {1, 2, 4}) {
    const double closed = (t.T + t.eps * t.s2 / (4.0 * W)) / (t.P * (1.0 - t.eps * t.P / 4.0));
    CHECK(std::abs(sync_scheme(t, W).stationary()(0, 0) / closed - 1.0) < 1e-9);
  }
  // async, W in turn: 1 + (2τ + 1) εP/4 to first order in εP (τ = W − 1); downpour with
  // push_every = pull_every = 1 is the same recursion.
  for (int W : {2, 4, 8}) {
    const scalar_target u = unit_target(1e-3);
    const double excess = ratio(async_scheme(u, W), 0) - 1.0, first = (2 * W - 1) * 1e-3 / 4;
    CAPTURE(W, excess, first);
    CHECK(std::abs(excess / first - 1.0) < 0.05);
    CHECK(std::abs(ratio(downpour_scheme(u, W, 1, 1), 0) / ratio(async_scheme(u, W), 0) - 1.0) <
          1e-9);
  }
  // ssp's fast-worker schedule: mean staleness 1/2.
  CHECK(std::abs((ratio(ssp_scheme(unit_target(1e-3)), 0) - 1.0) / (2 * 1e-3 / 4) - 1.0) < 0.05);
  // elastic, centre following the workers' mean: workers 1/W + (1 − 1/W) P/(P + ρ), centre
  // 1/W (to 0.02 at α = 0.1, τ = 10, εP = 1e-4, as the table shows); α = 1: the posterior.
  for (int W : {2, 4})
    for (double rho : {0.1, 1.0, 10.0}) {
      const auto S = elastic_scheme(unit_target(1e-4), W, rho, 0.1, 10).stationary();
      const double worker = 1.0 / W + (1.0 - 1.0 / W) / (1.0 + rho);
      CAPTURE(W, rho, S(1, 1), worker, S(0, 0));
      CHECK(std::abs(S(1, 1) - worker) < 0.02);
      CHECK(std::abs(S(0, 0) - 1.0 / W) < 0.02);
      CHECK(std::abs(elastic_scheme(unit_target(1e-4), W, rho, 1.0, 10).stationary()(1, 1) - 1.0) <
            0.005);
    }
  // Two cells of the tables, as printed there.
  CHECK(std::abs(elastic_scheme(unit_target(1e-4), 2, 1.0, 0.1, 10).stationary()(1, 1) - 0.756) <
        5e-4);
  CHECK(std::abs(ratio(downpour_scheme(unit_target(1e-2), 4, 4, 2), 0) - 1.0541) < 5e-5);
}
