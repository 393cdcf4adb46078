// The fits of `sgmc simulate --calibrate` (calibrate.hpp) on the counts of `sgmc trace summary`.
#include "sgmc/tools/calibrate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sgmc::tools {
namespace {

using engine::trace_role;

// Fewer durations than this fit nothing worth simulating.
constexpr std::uint64_t k_min_fitted = 2;

double median_of(std::vector<double> x) {
  const auto mid = x.begin() + static_cast<std::ptrdiff_t>(x.size() / 2);
  std::nth_element(x.begin(), mid, x.end());
  if (x.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(x.begin(), mid)) / 2;
}

// The durations of the spans of `type` of one role (the worker's: by worker index).
struct spans {
  std::vector<timed_duration> all;
  std::vector<std::vector<timed_duration>> by_actor;
};

spans collect_spans(const trace_run& run, engine::trace_type type) {
  spans out;
  for (const auto& n : run.nodes)
    for (const auto& e : n.file.events) {
      if (e.dir != engine::trace_direction::span || e.type != type) continue;
      const timed_duration d{aligned(n, e.t_ns), static_cast<std::int64_t>(e.duration_ns)};
      out.all.push_back(d);
      if (type != engine::trace_type::compute || e.actor.index >= (1u << 16)) continue;
      if (e.actor.index >= out.by_actor.size()) out.by_actor.resize(e.actor.index + 1);
      out.by_actor[e.actor.index].push_back(d);
    }
  return out;
}

double round_significant(double x, int digits) {
  if (x <= 0.0) return x;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(x))));
  return std::round(x * scale) / scale;
}

unexpected refuse(const trace_run& run, const std::string& why) {
  return make_error(errc::invalid_argument,
                    fmt::format("{}: cannot calibrate: {}", run.dir.string(), why));
}

// "2.315us": 4 significant digits in the largest unit that keeps the number at least 1.
std::string format_ns(double ns) {
  if (ns >= 1e9) return fmt::format("{:.4g}s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.4g}ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.4g}us", ns / 1e3);
  return fmt::format("{:.4g}ns", ns);
}

std::string fitted(const lognormal_fit& f) {
  return fmt::format("median {}, σ {:.3f} (σ of all {:.3f})", format_ns(f.median_ns), f.sigma,
                     f.sigma_all);
}

// The send → receive times of the messages between workers and master shards (sent_ns, latency).
struct latencies {
  std::vector<timed_duration> to_master, to_workers, both;
  std::set<std::uint32_t> shards;
};

latencies collect_latencies(const trace_run& run) {
  latencies out;
  for_each_paired(run, [&](const paired_message& m) {
    const timed_duration d{m.sent_ns, m.latency_ns};
    if (m.from.role == trace_role::worker && m.to.role == trace_role::master) {
      out.to_master.push_back(d);
      out.shards.insert(m.to.index);
    } else if (m.from.role == trace_role::master && m.to.role == trace_role::worker) {
      out.to_workers.push_back(d);
      out.shards.insert(m.from.index);
    } else {
      return;
    }
    out.both.push_back(d);
  });
  return out;
}

}  // namespace

lognormal_fit fit_lognormal(std::vector<timed_duration> v) {
  lognormal_fit f;
  if (v.empty()) return f;
  std::stable_sort(v.begin(), v.end(), [](const timed_duration& a, const timed_duration& b) {
    return a.t_ns < b.t_ns;
  });
  std::vector<double> ln(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    ln[i] = std::log(std::max(1.0, static_cast<double>(v[i].duration_ns)));
  double mean = 0.0, sq = 0.0;
  for (double l : ln) mean += l;
  mean /= static_cast<double>(ln.size());
  for (double l : ln) sq += (l - mean) * (l - mean);
  f.count = v.size();
  f.median_ns = std::exp(median_of(ln));
  f.sigma_all = std::sqrt(sq / static_cast<double>(ln.size()));
  if (ln.size() < 3) return f;
  std::vector<double> diff(ln.size() - 1);
  for (std::size_t i = 0; i + 1 < ln.size(); ++i) diff[i] = ln[i + 1] - ln[i];
  const double centre = median_of(diff);
  for (double& d : diff) d = std::abs(d - centre);
  f.sigma = 1.4826 * median_of(diff) / std::sqrt(2.0);
  return f;
}

engine::duration_spec to_duration(const lognormal_fit& f) {
  engine::duration_spec d;
  d.dist = engine::duration_spec::distribution::lognormal;
  d.a = std::clamp(round_significant(f.median_ns, 4), 1.0, engine::k_max_sim_ns);
  d.b = std::min(std::round(f.sigma * 1000.0) / 1000.0, engine::k_max_lognormal_sigma);
  return d;
}

expected<calibration> calibrate(const trace_run& run) {
  if (!run.foreign.empty())
    return refuse(run, fmt::format("the folder holds traces of several runs ({}); keep one run's",
                                   run.foreign.front()));
  if (run.nodes.empty() || run.nodes.front().file.format_version < 2)
    return refuse(run,
                  "version-1 traces have no compute spans and no message ids (record the run "
                  "again with this sgmc)");
  calibration c;
  c.source = run.dir.string();
  c.run_id = to_hex(run.nodes.front().file.run_id);
  const auto compute = collect_spans(run, engine::trace_type::compute);
  if (compute.all.size() < k_min_fitted)
    return refuse(run,
                  "the traces hold no compute spans of workers (a simulated run's trace has "
                  "none: calibrate from a real run with a protocol and [trace] enabled)");
  auto lat = collect_latencies(run);
  if (lat.both.size() < k_min_fitted)
    return refuse(run, "no message between workers and master was paired with its receive");
  c.workers = static_cast<std::uint32_t>(compute.by_actor.size());
  c.shards = static_cast<std::uint32_t>(std::max<std::size_t>(1, lat.shards.size()));
  c.compute = fit_lognormal(compute.all);
  for (const auto& w : compute.by_actor) c.compute_by_worker.push_back(fit_lognormal(w));
  c.latency = fit_lognormal(std::move(lat.both));
  c.latency_to_master = fit_lognormal(std::move(lat.to_master));
  c.latency_to_workers = fit_lognormal(std::move(lat.to_workers));
  c.master_service = fit_lognormal(collect_spans(run, engine::trace_type::apply).all);
  c.sim.compute = to_duration(c.compute);
  c.sim.latency = to_duration(c.latency);
  c.sim.bandwidth_gbps = 0.0;
  c.sim.message_overhead_us = 0.0;
  if (c.master_service.count >= k_min_fitted) c.sim.master_service = to_duration(c.master_service);
  return c;
}

expected<calibration> calibrate(const std::string& run_dir) {
  auto run = load_trace_run(run_dir);
  if (!run) return unexpected(run.error());
  return calibrate(*run);
}

std::string format_sim_section(const calibration& c) {
  std::string out = fmt::format(
      "# [sim] fitted by `sgmc simulate --calibrate {}` to the traces of run {}\n"
      "# ({} workers, {} master shard{}). Lognormals: the median of t, and the σ of ln t between\n"
      "# neighbours in time (σ of all: over the whole run; docs/simulate.md)\n"
      "[sim]\n",
      c.source, c.run_id, c.workers, c.shards, c.shards == 1 ? "" : "s");
  auto key = [&](const std::string& name, const std::string& value, const std::string& why) {
    out += fmt::format("{:<48} # {}\n", fmt::format("{} = {}", name, value), why);
  };
  auto quoted = [](const engine::duration_spec& d) {
    return fmt::format("\"{}\"", engine::to_string(d));
  };
  std::string per_worker;
  for (std::size_t w = 0; w < c.compute_by_worker.size(); ++w)
    if (c.compute_by_worker[w].count > 0)
      per_worker += fmt::format("{}{} {}", per_worker.empty() ? "" : ", ", w,
                                format_ns(c.compute_by_worker[w].median_ns));
  key("compute", quoted(c.sim.compute),
      fmt::format("{} compute spans of {} workers; σ of all {:.3f}", c.compute.count, c.workers,
                  c.compute.sigma_all));
  if (!per_worker.empty()) out += "# median per worker: " + per_worker + "\n";
  key("latency", quoted(c.sim.latency),
      fmt::format("{} messages worker ↔ master, send → receive; σ of all {:.3f}", c.latency.count,
                  c.latency.sigma_all));
  out += fmt::format("# to the master: {} messages, {}; to the workers: {} messages, {}\n",
                     c.latency_to_master.count, fitted(c.latency_to_master),
                     c.latency_to_workers.count, fitted(c.latency_to_workers));
  if (c.master_service.count >= k_min_fitted)
    key("master_service", quoted(c.sim.master_service),
        fmt::format("{} apply spans of the master; σ of all {:.3f}", c.master_service.count,
                    c.master_service.sigma_all));
  else
    out += "# master_service: no apply spans in the traces; the default is kept\n";
  key("bandwidth_gbps", "0.0", "not separable from the latency, which holds it");
  key("message_overhead_us", "0.0", "not separable from the latency, which holds it");
  return out;
}

}  // namespace sgmc::tools
