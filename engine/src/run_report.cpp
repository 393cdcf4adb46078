#include "sgmc/engine/run_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace sgmc::engine {

void staleness_stats::add(std::uint64_t staleness) {
  ++count;
  sum += staleness;
  max = std::max(max, staleness);
  if (hist.size() != kBuckets) hist.resize(kBuckets, 0);
  ++hist[std::min<std::uint64_t>(staleness, kBuckets - 1)];
}

void staleness_stats::merge(const staleness_stats& other) {
  count += other.count;
  sum += other.sum;
  max = std::max(max, other.max);
  if (hist.size() != kBuckets) hist.resize(kBuckets, 0);
  for (std::size_t k = 0; k < std::min(hist.size(), other.hist.size()); ++k)
    hist[k] += other.hist[k];
}

double staleness_stats::mean() const {
  return count == 0 ? 0.0 : static_cast<double>(sum) / static_cast<double>(count);
}

namespace {

/// Every worker's count, or their range when there are too many to list.
std::string per_worker(const std::vector<std::uint64_t>& g) {
  constexpr std::size_t k_listed = 16;
  if (g.size() <= k_listed) return fmt::format("{}", fmt::join(g, " "));
  const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
  return fmt::format("{} to {} per worker", *lo, *hi);
}

}  // namespace

std::string describe(const run_report& s) {
  const auto total = std::accumulate(s.gradients.begin(), s.gradients.end(), std::uint64_t{0});
  std::string out = fmt::format(
      "versions {}, gradients {} ({}), staleness mean {:.2f} max {}, "
      "draws {}, {:.2f} s",
      fmt::join(s.versions, " "), total, per_worker(s.gradients), s.staleness.mean(),
      s.staleness.max, s.draws, s.wall_seconds);
  if (!s.lost.empty()) out += fmt::format(", lost workers {}", fmt::join(s.lost, " "));
  return out;
}

}  // namespace sgmc::engine
