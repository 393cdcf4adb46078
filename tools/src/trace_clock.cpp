// Clock offsets of the nodes of a run against the reference node (trace_run.hpp).
#include "sgmc/tools/trace_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sgmc::tools {
namespace {

using engine::trace_direction;
using engine::trace_event;
using engine::trace_role;
using engine::trace_type;

// (sender, seq) as one key: role in the top 2 bits, index in the next 22, seq in the low 40.
std::uint64_t id_key(engine::trace_actor sender, std::uint64_t seq) {
  return (std::uint64_t{static_cast<std::uint8_t>(sender.role)} << 62) ^
         (std::uint64_t{sender.index} << 40) ^ seq;
}

// One request/reply exchange as the reference (master) saw it.
struct served {
  std::uint64_t request_key;  // the request's id (sender = the worker)
  std::uint64_t reply_key;    // the answer's id (sender = the master shard)
  std::uint64_t t2, t3;       // request received, reply sent (reference clock)
};

// A worker's message to a master shard (pull, push or exchange) and what the shard sends back
// (params or exchange). Any such pair where the reply leaves after the request arrived bounds
// the offset as NTP's four timestamps do (t1 ≤ t2 and t3 ≤ t4 hold for every message), so
// every answered push of an async run counts, not only the one pull: thousands of samples,
// the one with the least network time wins.
bool is_request(const trace_event& e) {
  return e.type == trace_type::pull || e.type == trace_type::push || e.type == trace_type::exchange;
}
bool is_reply(const trace_event& e) {
  return e.type == trace_type::params || e.type == trace_type::exchange;
}

// A request received then the next reply sent to the same worker by the same shard.
std::vector<served> served_pairs(const engine::trace_file& ref) {
  std::vector<const trace_event*> evs;
  for (const auto& e : ref.events)
    if (e.seq != 0 && e.actor.role == trace_role::master && e.peer.role == trace_role::worker &&
        ((is_request(e) && e.dir == trace_direction::received) ||
         (is_reply(e) && e.dir == trace_direction::sent)))
      evs.push_back(&e);
  std::stable_sort(evs.begin(), evs.end(),
                   [](const trace_event* a, const trace_event* b) { return a->t_ns < b->t_ns; });
  std::unordered_map<std::uint64_t, const trace_event*> pending;  // shard << 32 | worker
  std::vector<served> out;
  for (const auto* e : evs) {
    const auto link = (std::uint64_t{e->actor.index} << 32) | e->peer.index;
    if (e->dir == trace_direction::received) {
      pending[link] = e;
    } else if (auto it = pending.find(link); it != pending.end() && it->second != nullptr) {
      out.push_back(
          {id_key(e->peer, it->second->seq), id_key(e->actor, e->seq), it->second->t_ns, e->t_ns});
      it->second = nullptr;
    }
  }
  return out;
}

struct estimate {
  std::int64_t offset = 0;
  std::uint64_t delay = std::numeric_limits<std::uint64_t>::max();
  std::size_t samples = 0;
};

std::optional<estimate> ntp_estimate(const std::vector<served>& pairs,
                                     const engine::trace_file& node) {
  std::unordered_map<std::uint64_t, std::uint64_t> t1, t4;  // request sent, reply received
  for (const auto& e : node.events) {
    if (e.seq == 0 || e.actor.role != trace_role::worker || e.peer.role != trace_role::master)
      continue;
    if (is_request(e) && e.dir == trace_direction::sent) t1[id_key(e.actor, e.seq)] = e.t_ns;
    if (is_reply(e) && e.dir == trace_direction::received) t4[id_key(e.peer, e.seq)] = e.t_ns;
  }
  estimate best;
  for (const auto& p : pairs) {
    auto a = t1.find(p.request_key);
    auto b = t4.find(p.reply_key);
    if (a == t1.end() || b == t4.end()) continue;
    const auto i1 = static_cast<std::int64_t>(a->second), i4 = static_cast<std::int64_t>(b->second);
    const auto i2 = static_cast<std::int64_t>(p.t2), i3 = static_cast<std::int64_t>(p.t3);
    const std::int64_t delay = (i4 - i1) - (i3 - i2);
    ++best.samples;
    if (delay < 0 || static_cast<std::uint64_t>(delay) >= best.delay) continue;
    best.delay = static_cast<std::uint64_t>(delay);
    best.offset = ((i2 - i1) + (i3 - i4)) / 2;
  }
  if (best.delay == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return best;
}

// realtime − monotonic of a node's first anchor.
std::optional<std::int64_t> anchor_of(const engine::trace_file& f) {
  for (const auto& e : f.events)
    if (e.type == trace_type::anchor)
      return static_cast<std::int64_t>(e.realtime_ns) - static_cast<std::int64_t>(e.t_ns);
  return std::nullopt;
}

}  // namespace

void estimate_offsets(trace_run& run) {
  if (run.nodes.empty()) return;
  auto& ref = run.nodes.front();
  ref.offset_ns = 0;
  ref.uncertainty_ns = 0;
  ref.offset_method = "reference";
  // Only a run of several nodes has offsets to estimate (an embedded run's one file has none).
  const auto pairs =
      run.has_ids && run.nodes.size() > 1 ? served_pairs(ref.file) : std::vector<served>{};
  const auto ref_anchor = anchor_of(ref.file);
  for (std::size_t k = 1; k < run.nodes.size(); ++k) {
    auto& n = run.nodes[k];
    if (auto est = ntp_estimate(pairs, n.file)) {
      n.offset_ns = est->offset;
      n.uncertainty_ns = est->delay / 2;
      n.offset_method = fmt::format("request/reply round trips ({})", est->samples);
    } else if (auto a = anchor_of(n.file); a && ref_anchor) {
      n.offset_ns = *a - *ref_anchor;
      n.uncertainty_ns = 0;
      n.offset_method = "clock anchors (realtime clocks assumed in step; uncertainty unknown)";
    } else {
      n.offset_ns = 0;
      n.uncertainty_ns = 0;
      n.offset_method = "none: one host's CLOCK_MONOTONIC assumed";
    }
  }
}

}  // namespace sgmc::tools
