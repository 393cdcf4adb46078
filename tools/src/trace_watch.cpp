#include "sgmc/tools/trace_watch.hpp"

#include "sgmc/actors/trace_publisher.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sgmc::tools {
namespace {

using engine::trace_direction;
using engine::trace_role;
using engine::trace_type;

constexpr auto kRefresh = std::chrono::seconds(1);

}  // namespace

void watch_window::add(const std::string& node, std::uint64_t dropped,
                       const engine::trace_event& e) {
  auto& n = nodes_[node];
  ++n.records;
  ++n.total;
  n.dropped = std::max(n.dropped, dropped);
  ++total_;
  if (e.actor.role == trace_role::worker) {
    auto& w = workers_[e.actor.index];
    if (e.dir == trace_direction::span && e.type == trace_type::compute) {
      w.compute_ns += e.duration_ns;
    } else if (e.dir == trace_direction::sent || e.dir == trace_direction::received) {
      ++w.messages;
      w.bytes += e.bytes;
    }
  }
  if (e.actor.role == trace_role::master && e.dir == trace_direction::received &&
      e.peer.role == trace_role::worker && e.staleness >= 0 &&
      (e.type == trace_type::push || e.type == trace_type::exchange)) {
    auto& w = workers_[e.peer.index];
    ++w.applied;
    w.staleness_sum += static_cast<double>(e.staleness);
    w.staleness_max = std::max(w.staleness_max, e.staleness);
  }
}

std::string watch_window::table(double seconds) {
  const double s = std::max(seconds, 1e-9);
  std::string out = fmt::format("  {:<8} {:>10} {:>12} {:>10} {:>14} {:>6}\n", "worker", "msgs/s",
                                "bytes/s", "applied/s", "staleness mean", "busy");
  for (auto& [index, w] : workers_) {
    const auto st = w.applied == 0 ? std::string("-")
                                   : fmt::format("{:.2f} (max {})",
                                                 w.staleness_sum / static_cast<double>(w.applied),
                                                 w.staleness_max);
    const auto busy = w.compute_ns == 0
                          ? std::string("-")
                          : fmt::format("{:.0f} %", std::min(100.0, w.compute_ns / 1e7 / s));
    out += fmt::format("  {:<8} {:>10.0f} {:>12.0f} {:>10.0f} {:>14} {:>6}\n", index,
                       w.messages / s, w.bytes / s, w.applied / s, st, busy);
    w = worker_counts{};
  }
  for (auto& [name, n] : nodes_) {
    out += fmt::format("  node {}: {} records ({:.0f}/s), dropped {}\n", name, n.total,
                       n.records / s, n.dropped);
    n.records = 0;
  }
  return out;
}

expected<std::uint64_t> watch(const watch_options& o) {
  auto sub = actors::trace_subscriber::bind(o.endpoint);
  if (!sub) return unexpected(sub.error());
  o.print(fmt::format("watching {} (nodes publish with [trace] publish = \"{}\")\n",
                      (*sub)->endpoint(), (*sub)->endpoint()));
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto last = start;
  watch_window win;
  auto done = [&] {
    if (o.count > 0 && win.total_records() >= o.count) return true;
    return o.seconds > 0 &&
           std::chrono::duration<double>(clock::now() - start).count() >= o.seconds;
  };
  auto show = [&] {
    const auto now = clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    const auto text = fmt::format("{}-- {:.1f} s, {} records\n{}", o.live ? "\x1b[H\x1b[2J" : "",
                                  std::chrono::duration<double>(now - start).count(),
                                  win.total_records(), win.table(dt));
    o.print(text);
  };
  while (!done()) {
    auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(last + kRefresh - clock::now());
    if (o.seconds > 0) {
      const auto end = start + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(o.seconds));
      wait =
          std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now()));
    }
    auto batch = (*sub)->receive(std::max(wait, std::chrono::milliseconds(0)));
    if (!batch) return unexpected(batch.error());
    if (*batch)
      for (const auto& e : (**batch).events) win.add((**batch).node, (**batch).dropped, e);
    if (clock::now() - last >= kRefresh) show();
  }
  show();
  return win.total_records();
}

}  // namespace sgmc::tools
