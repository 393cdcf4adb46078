// Chrome trace-event JSON of a run (trace_export.hpp).
#include "sgmc/tools/trace_export.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace sgmc::tools {
namespace {

using engine::trace_actor;
using engine::trace_direction;
using engine::trace_event;
using engine::trace_role;
using engine::trace_type;

std::uint32_t tid_of(trace_actor a) {
  return static_cast<std::uint32_t>(a.role) * 100000 + std::min<std::uint32_t>(a.index, 99999) + 1;
}

// A flow id below 2^53 (exact in a JSON number): the sender in the high bits, its seq below.
std::uint64_t flow_id(trace_actor sender, std::uint64_t seq) {
  return ((std::uint64_t{static_cast<std::uint8_t>(sender.role)} << 18 | (sender.index & 0x3ffff))
          << 32) |
         (seq & 0xffffffff);
}

std::int64_t first_time(const trace_run& run) {
  std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
  for (const auto& n : run.nodes)
    for (const auto& e : n.file.events) t0 = std::min(t0, aligned(n, e.t_ns));
  return t0 == std::numeric_limits<std::int64_t>::max() ? 0 : t0;
}

// The first time (aligned) at which a master shard reached version v: from the pushes and
// exchanges it applied (built on `version`, applied `staleness` versions later) and the params
// it sent. Past the last known version: the end of the run.
std::int64_t time_of_version(const trace_run& run, double v) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> seen;  // (t, version reached)
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (const auto& n : run.nodes)
    for (const auto& e : n.file.events) {
      last = std::max(last, aligned(n, e.t_ns));
      if (e.actor.role != trace_role::master) continue;
      if (e.dir == trace_direction::received && e.staleness >= 0 &&
          (e.type == trace_type::push || e.type == trace_type::exchange))
        seen.emplace_back(aligned(n, e.t_ns),
                          e.version + static_cast<std::uint64_t>(e.staleness) + 1);
      else if (e.dir == trace_direction::sent && e.type == trace_type::params)
        seen.emplace_back(aligned(n, e.t_ns), e.version);
    }
  std::sort(seen.begin(), seen.end());
  std::uint64_t reached = 0;
  for (const auto& [t, ver] : seen) {
    reached = std::max(reached, ver);
    if (static_cast<double>(reached) >= v) return t;
  }
  return last;
}

class chrome_writer {
 public:
  chrome_writer(std::string& out, std::int64_t t0) : out_(out), t0_(t0) {}

  void meta(std::uint32_t pid, const std::string& process) {
    sep();
    fmt::format_to(std::back_inserter(out_),
                   R"({{"ph":"M","name":"process_name","pid":{},"args":{{"name":{}}}}})", pid,
                   json_string(process));
    sep();
    fmt::format_to(
        std::back_inserter(out_),
        R"({{"ph":"M","name":"process_sort_index","pid":{},"args":{{"sort_index":{}}}}})", pid,
        pid);
  }
  void thread(std::uint32_t pid, trace_actor a) {
    sep();
    fmt::format_to(std::back_inserter(out_),
                   R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"{}"}}}})",
                   pid, tid_of(a), describe(a));
  }
  void slice(std::uint32_t pid, const trace_event& e, std::int64_t t, const char* name_prefix,
             std::uint64_t dur_ns) {
    sep();
    fmt::format_to(std::back_inserter(out_),
                   R"({{"ph":"X","name":"{}{}","cat":"{}","pid":{},"tid":{},"ts":{},"dur":{:.3f},)"
                   R"("args":{{"peer":"{}","bytes":{},"version":{},"staleness":{},"seq":{}}}}})",
                   name_prefix, to_string(e.type),
                   e.dir == trace_direction::span ? "span" : "message", pid, tid_of(e.actor), ts(t),
                   static_cast<double>(dur_ns) / 1e3, describe(e.peer), e.bytes, e.version,
                   e.staleness, e.seq);
  }
  void flow(std::uint32_t pid, const trace_event& e, std::int64_t t, bool start, std::uint64_t id) {
    sep();
    fmt::format_to(std::back_inserter(out_),
                   R"({{"ph":"{}",{}"name":"{}","cat":"flow","id":{},"pid":{},"tid":{},"ts":{}}})",
                   start ? "s" : "f", start ? "" : R"("bp":"e",)", to_string(e.type), id, pid,
                   tid_of(e.actor), ts(t));
  }
  std::uint64_t events() const { return events_; }

 private:
  std::string ts(std::int64_t t) const { return fmt::format("{:.3f}", (t - t0_) / 1e3); }
  void sep() { out_ += events_++ == 0 ? "\n" : ",\n"; }
  std::string& out_;
  std::int64_t t0_;
  std::uint64_t events_ = 0;
};

}  // namespace

expected<export_bound> parse_export_bound(const std::string& text, const std::string& what) {
  export_bound b;
  std::string num = text;
  if (!num.empty() && (num.back() == 'v' || num.back() == 'V')) {
    b.versions = true;
    num.pop_back();
  }
  const char* end = num.data() + num.size();
  auto [p, ec] = std::from_chars(num.data(), end, b.value);
  if (num.empty() || ec != std::errc{} || p != end || !std::isfinite(b.value) || b.value < 0)
    return make_error(errc::invalid_argument,
                      fmt::format("{} {}: expected seconds from the start (2.5) or a master "
                                  "version with the suffix v (1500v)",
                                  what, text));
  return b;
}

expected<export_stats> export_chrome(const trace_run& run, const export_options& o,
                                     std::string& out) {
  const std::int64_t t0 = first_time(run);
  auto to_time = [&](const export_bound& b) {
    return b.versions ? time_of_version(run, b.value)
                      : t0 + static_cast<std::int64_t>(std::llround(b.value * 1e9));
  };
  const std::int64_t from = o.from ? to_time(*o.from) : std::numeric_limits<std::int64_t>::min();
  const std::int64_t to = o.to ? to_time(*o.to) : std::numeric_limits<std::int64_t>::max();
  if (o.from && o.to && to < from)
    return make_error(errc::invalid_argument, "--to is before --from: an empty window");
  const std::uint64_t k = std::max<std::uint64_t>(1, o.sample);
  export_stats st;
  st.from_s = o.from ? static_cast<double>(from - t0) / 1e9 : 0.0;
  st.to_s = st.from_s;
  out = R"({"displayTimeUnit":"ns","otherData":{"generator":"sgmc trace export"},"traceEvents":[)";
  chrome_writer w(out, t0);
  for (std::uint32_t i = 0; i < run.nodes.size(); ++i) {
    const auto& n = run.nodes[i];
    const std::uint32_t pid = i + 1;
    w.meta(pid, n.file.node);
    std::map<std::uint32_t, trace_actor> actors;
    std::map<std::uint32_t, std::uint64_t> counters;  // per actor: records without ids
    for (const auto& e : n.file.events) {
      if (e.type == trace_type::anchor) continue;
      const auto t = aligned(n, e.t_ns);
      if (t < from || t > to) continue;
      const bool span = e.dir == trace_direction::span;
      const auto sender = e.dir == trace_direction::received ? e.peer : e.actor;
      // Every actor keeps its track, even when --sample thins out all its records (sampling
      // by message id keeps both ends of a flow, and a receiver's ids may share a residue).
      actors.emplace(tid_of(e.actor), e.actor);
      const std::uint64_t pick = (e.seq != 0 && !span) ? e.seq : counters[tid_of(e.actor)]++;
      if (pick % k != 0) continue;
      st.to_s = std::max(st.to_s, static_cast<double>(t - t0) / 1e9);
      if (span) {
        w.slice(pid, e, t, "", e.duration_ns);
      } else {
        w.slice(pid, e, t, e.dir == trace_direction::sent ? "send " : "recv ", 0);
        if (e.seq != 0) {
          w.flow(pid, e, t, e.dir == trace_direction::sent, flow_id(sender, e.seq));
          ++st.flows;
        }
      }
      ++st.slices;
    }
    for (const auto& [tid, a] : actors) w.thread(pid, a);
  }
  out += "\n]}\n";
  st.events = w.events();
  return st;
}

}  // namespace sgmc::tools
