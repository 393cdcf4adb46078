#include "sgmc/engine/run_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>

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

constexpr std::size_t k_listed = 16;

/// Every worker's count, or their range when there are too many to list.
std::string per_worker(const std::vector<std::uint64_t>& g) {
  if (g.size() <= k_listed) return fmt::format("{}", fmt::join(g, " "));
  const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
  return fmt::format("{} to {} per worker", *lo, *hi);
}

}  // namespace

std::string describe(const run_report& s) {
  const auto sum = [](const std::vector<std::uint64_t>& v) {
    return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
  };
  const auto is_lost = [&](std::size_t w) {
    return std::find(s.lost.begin(), s.lost.end(), w) != s.lost.end();
  };
  // A lost worker never reported its gradient count: say so rather than print 0.
  std::string grads;
  if (s.gradients.size() > k_listed) {
    grads = per_worker(s.gradients);
  } else {
    std::vector<std::string> each;
    for (std::size_t w = 0; w < s.gradients.size(); ++w)
      each.push_back(is_lost(w) ? std::string("lost") : std::to_string(s.gradients[w]));
    grads = fmt::format("{}", fmt::join(each, " "));
  }
  std::string out = fmt::format("versions {}", fmt::join(s.versions, " "));
  if (!s.applied.empty())
    out += fmt::format(", updates applied {} ({})", sum(s.applied), per_worker(s.applied));
  if (const auto n = sum(s.rejected); n > 0) {
    std::vector<std::string> why;
    for (std::size_t k = 0; k < s.rejected.size() && k < protocols::kRejectionReasons; ++k)
      if (s.rejected[k] > 0)
        why.push_back(fmt::format("{} {}", protocols::rejection_reason_names[k], s.rejected[k]));
    out += fmt::format(", rejected {} ({})", n, fmt::join(why, ", "));
  }
  out += fmt::format(", gradients {} ({}), staleness mean {:.2f} max {}, draws {}, {:.2f} s",
                     sum(s.gradients), grads, s.staleness.mean(), s.staleness.max, s.draws,
                     s.wall_seconds);
  if (!s.lost.empty())
    out +=
        fmt::format(", lost: worker{} {}", s.lost.size() == 1 ? "" : "s", fmt::join(s.lost, " "));
  if (!s.absent.empty())
    out += fmt::format(", never joined: worker{} {}", s.absent.size() == 1 ? "" : "s",
                       fmt::join(s.absent, " "));
  // One clause per worker, in the order of its first event.
  std::vector<std::uint32_t> order;
  for (const auto& e : s.membership)
    if (std::find(order.begin(), order.end(), e.worker) == order.end()) order.push_back(e.worker);
  for (const auto w : order) {
    std::vector<std::string> parts;
    for (const auto& e : s.membership) {
      if (e.worker != w) continue;
      const char* what = e.what == membership_event::kind::joined ? "joined"
                         : e.what == membership_event::kind::lost ? "lost"
                                                                  : "rejoined";
      parts.push_back(fmt::format("{} at {:.1f} s", what, e.at_s));
    }
    out += fmt::format("; worker {} {}", w, fmt::join(parts, ", "));
  }
  return out;
}

void merge_applied(std::vector<std::uint64_t>& applied, const std::vector<std::uint64_t>& shard) {
  if (applied.size() < shard.size()) applied.resize(shard.size(), 0);
  for (std::size_t w = 0; w < shard.size(); ++w) applied[w] = std::max(applied[w], shard[w]);
}

void merge_rejected(std::vector<std::uint64_t>& rejected, const std::vector<std::uint64_t>& shard) {
  if (rejected.size() < shard.size()) rejected.resize(shard.size(), 0);
  for (std::size_t k = 0; k < shard.size(); ++k) rejected[k] += shard[k];
}

}  // namespace sgmc::engine
