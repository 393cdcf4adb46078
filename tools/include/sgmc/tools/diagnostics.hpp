#pragma once
// Convergence diagnostics of MCMC draws of one scalar quantity, as Stan and ArviZ report them:
// Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021), "Rank-normalization, folding, and
// localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2).
//
// Draws are chains × draws (M chains of N draws each). "Split" chains cut each chain in two
// halves (the middle draw of an odd N is dropped), giving 2M chains of ⌊N/2⌋ draws.
//   rank normalisation  z = Φ⁻¹((r − 3/8) / (S + 1/4)), r the average rank of a draw among all
//                       S draws (ties share their mean rank)
//   R-hat (basic)       sqrt(((N−1)/N · W + B/N) / W), W the mean within-chain variance,
//                       B = N · var(chain means) (both with ddof 1)
//   R-hat (rank)        max(R-hat basic of z(split), R-hat basic of z(split |x − median x|))
//   ESS                 M·N / τ̂, τ̂ = −1 + 2 Σ ρ̂_t over Geyer's initial monotone sequence,
//                       ρ̂_t = 1 − (W − mean_m acov_m(t)) / var⁺ with var⁺ = (N−1)/N · W + B/N;
//                       the autocovariances by FFT (FFTW); τ̂ at least 1/log10(M·N)
//   bulk ESS            ESS of z(split)
//   tail ESS            min(ESS of split I(x ≤ q05), ESS of split I(x ≤ q95))
//   MCSE of the mean    sd / sqrt(ESS of split x)
//   MCSE of quantile p  half the distance between the draws at the Beta(ESS_p·p + 1,
//                       ESS_p·(1−p) + 1) quantiles 0.1587 and 0.8413 (±1 sd), ESS_p the ESS of
//                       split I(x ≤ q_p)
// A constant quantity has ESS = S (as ArviZ) and R-hat NaN. Fewer than 4 draws per chain give
// NaN for the rank statistics.
#include <cstddef>
#include <span>
#include <vector>

namespace sgmc::tools {

/// Draws of one scalar quantity: chain c's draw s is values[c · draws + s].
struct chain_draws {
  std::size_t chains = 0;
  std::size_t draws = 0;
  std::vector<double> values;

  std::span<const double> chain(std::size_t c) const {
    return std::span<const double>(values).subspan(c * draws, draws);
  }
  std::size_t size() const { return values.size(); }
};

/// The autocovariance of x at lags 0 .. n−1, biased (divided by n), of x − mean(x); by FFT.
std::vector<double> autocovariance(std::span<const double> x);

/// Each chain cut into its first and last ⌊N/2⌋ draws.
chain_draws split_chains(const chain_draws& d);
/// z = Φ⁻¹((r − 3/8) / (S + 1/4)) of every draw, r its average rank among all S draws.
chain_draws rank_normalize(const chain_draws& d);
/// |x − median(x)| over all draws.
chain_draws fold(const chain_draws& d);
/// 1 where x ≤ threshold, else 0.
chain_draws indicator(const chain_draws& d, double threshold);

/// ESS of the chains as given (no splitting, no rank normalisation).
double ess_basic(const chain_draws& d);
/// R-hat of the chains as given.
double rhat_basic(const chain_draws& d);

double ess_bulk(const chain_draws& d);
double ess_tail(const chain_draws& d);
/// ESS for the mean (split chains, no rank normalisation).
double ess_mean(const chain_draws& d);
/// ESS of the indicator I(x ≤ q_p), split.
double ess_quantile(const chain_draws& d, double p);
/// Rank-normalised split R-hat (bulk and folded; the larger).
double rhat(const chain_draws& d);

/// The p-quantile of all draws, linear interpolation (numpy's default, R's type 7).
double quantile(const chain_draws& d, double p);
double mcse_mean(const chain_draws& d);
double mcse_quantile(const chain_draws& d, double p);

/// What `sgmc diagnose` reports for one quantity.
struct draw_summary {
  double mean = 0, sd = 0, mcse_mean = 0;
  double q05 = 0, q50 = 0, q95 = 0;
  double mcse_q05 = 0, mcse_q50 = 0, mcse_q95 = 0;
  double ess_bulk = 0, ess_tail = 0, rhat = 0;
};
draw_summary summarize(const chain_draws& d);

}  // namespace sgmc::tools
