#pragma once
// `sgmc trace staleness`: the staleness histogram of the applied updates, per worker and over
// all, in the 33 buckets of the run report (0..31 and "32+"), next to the distribution of the
// delay that was injected (`[staleness] delay` of the run's config.toml) when it was in versions.
//
// Injected delay K (versions) as the master draws it (engine/src/injector.cpp): fixed:K → K;
// uniform:A,B → each integer of A..B with probability 1/(B−A+1); exp:M → ⌊X⌋ with X exponential
// of mean M, so P(k) = e^(−k/M) − e^(−(k+1)/M). The observed staleness is this delay plus the
// staleness the run has anyway (the other workers' updates while one computes).
#include "sgmc/engine/staleness.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sgmc::tools {

inline constexpr std::size_t kStalenessBuckets = 33;

struct staleness_table {
  std::vector<std::uint64_t> all;                   ///< kStalenessBuckets counts
  std::vector<std::vector<std::uint64_t>> workers;  ///< per worker index
  std::vector<double> injected;  ///< probability per bucket; empty when nothing was injected
  std::string injected_text;     ///< "uniform:2,6" (or "" / "none")
  std::string injected_note;     ///< why no injected column (delay in ms, no config.toml)
};

/// The probability of each bucket under the injected delay; empty for none or a delay in ms.
std::vector<double> injected_distribution(const engine::delay_spec& d);

staleness_table make_staleness_table(const trace_summary& s,
                                     const std::optional<engine::staleness_params>& injected);

std::string format_text(const staleness_table& t);
std::string format_csv(const staleness_table& t);

}  // namespace sgmc::tools
