#include "sgmc/tools/trace_staleness.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgmc::tools {
namespace {

using dist = engine::delay_spec::distribution;

std::vector<std::uint64_t> buckets(const int_distribution& d) {
  std::vector<std::uint64_t> out(kStalenessBuckets, 0);
  for (std::size_t v = 0; v < d.dense.size(); ++v)
    out[std::min(v, kStalenessBuckets - 1)] += d.dense[v];
  for (const auto& [v, n] : d.sparse)
    if (v >= 0) out[kStalenessBuckets - 1] += n;
  return out;
}

std::string label(std::size_t k) {
  return k + 1 == kStalenessBuckets ? fmt::format("{}+", k) : std::to_string(k);
}

double fraction(std::uint64_t n, std::uint64_t total) {
  return total == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(total);
}

std::uint64_t total(const std::vector<std::uint64_t>& v) {
  std::uint64_t n = 0;
  for (auto x : v) n += x;
  return n;
}

}  // namespace

std::vector<double> injected_distribution(const engine::delay_spec& d) {
  if (d.dist == dist::none || d.in != engine::delay_spec::unit::versions) return {};
  std::vector<double> p(kStalenessBuckets, 0.0);
  const auto last = kStalenessBuckets - 1;
  switch (d.dist) {
    case dist::fixed:
      p[std::min(static_cast<std::size_t>(d.a), last)] = 1.0;
      break;
    case dist::uniform: {
      const auto a = static_cast<std::size_t>(d.a), b = static_cast<std::size_t>(d.b);
      for (std::size_t k = a; k <= b; ++k)
        p[std::min(k, last)] += 1.0 / static_cast<double>(b - a + 1);
      break;
    }
    case dist::exponential:
      for (std::size_t k = 0; k < last; ++k)
        p[k] =
            std::exp(-static_cast<double>(k) / d.a) - std::exp(-static_cast<double>(k + 1) / d.a);
      p[last] = std::exp(-static_cast<double>(last) / d.a);
      break;
    case dist::none:
      break;
  }
  return p;
}

staleness_table make_staleness_table(const trace_summary& s,
                                     const std::optional<engine::staleness_params>& injected) {
  staleness_table t;
  t.all = buckets(s.staleness);
  for (const auto& w : s.workers) t.workers.push_back(buckets(w.staleness));
  if (!injected) {
    t.injected_note = "no config.toml in the run folder: what was injected is unknown";
    return t;
  }
  t.injected_text = to_string(injected->delay);
  t.injected = injected_distribution(injected->delay);
  if (injected->delay.dist != dist::none && t.injected.empty())
    t.injected_note =
        "the injected delay is in ms (pushes held back), not in versions: no "
        "distribution to set beside the observed one";
  return t;
}

std::string format_text(const staleness_table& t) {
  const auto n = total(t.all);
  std::string out = fmt::format("staleness of {} applied updates (versions)", n);
  if (!t.injected_text.empty()) out += fmt::format("; injected delay: {}", t.injected_text);
  out += "\n";
  std::string head = fmt::format("  {:>9} {:>10} {:>8}", "staleness", "all", "share");
  if (!t.injected.empty()) head += fmt::format(" {:>9}", "injected");
  for (std::size_t w = 0; w < t.workers.size(); ++w)
    head += fmt::format(" {:>10}", fmt::format("worker {}", w));
  out += head + "\n";
  // Rows from 0 to the last non-empty bucket (observed or injected).
  std::size_t rows = 0;
  for (std::size_t k = 0; k < kStalenessBuckets; ++k)
    if (t.all[k] > 0 || (!t.injected.empty() && t.injected[k] > 0)) rows = k + 1;
  for (std::size_t k = 0; k < rows; ++k) {
    std::string line =
        fmt::format("  {:>9} {:>10} {:>7.1f}%", label(k), t.all[k], 100.0 * fraction(t.all[k], n));
    if (!t.injected.empty()) line += fmt::format(" {:>8.1f}%", 100.0 * t.injected[k]);
    for (const auto& w : t.workers) line += fmt::format(" {:>10}", w[k]);
    out += line + "\n";
  }
  if (!t.injected_note.empty()) out += "note: " + t.injected_note + "\n";
  if (!t.injected.empty())
    out += "note: observed = the injected delay plus the staleness the run has anyway\n";
  return out;
}

std::string format_csv(const staleness_table& t) {
  std::string out = "staleness,all,share";
  if (!t.injected.empty()) out += ",injected";
  for (std::size_t w = 0; w < t.workers.size(); ++w) out += fmt::format(",worker_{}", w);
  out += "\n";
  const auto n = total(t.all);
  for (std::size_t k = 0; k < kStalenessBuckets; ++k) {
    out += fmt::format("{},{},{:.6g}", label(k), t.all[k], fraction(t.all[k], n));
    if (!t.injected.empty()) out += fmt::format(",{:.6g}", t.injected[k]);
    for (const auto& w : t.workers) out += fmt::format(",{}", w[k]);
    out += "\n";
  }
  return out;
}

}  // namespace sgmc::tools
