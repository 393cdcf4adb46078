// The counting of `sgmc trace summary` (trace_summary.hpp): one pass over each node's records,
// and a second over the receives when message ids pair them with their sends.
#include "sgmc/tools/trace_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace sgmc::tools {
namespace {

using engine::trace_actor;
using engine::trace_direction;
using engine::trace_event;
using engine::trace_role;
using engine::trace_type;

constexpr std::size_t kDenseValues = 1 << 16;   // int_distribution counts these in an array
constexpr std::uint32_t kMaxWorkers = 1 << 16;  // indices above are malformed: not counted

std::uint64_t actor_key(trace_actor a) {
  return (std::uint64_t{static_cast<std::uint8_t>(a.role)} << 32) | a.index;
}

bool is_message(const trace_event& e) {
  return e.dir == trace_direction::sent || e.dir == trace_direction::received;
}

// Index of (actor, actor) pairs: open addressing with linear probing. The counters look one up
// per record, and consecutive records alternate between a handful of keys (a worker's push, the
// master's reply), which is std::unordered_map's worst case: a node allocation per key and a
// division per lookup took a third of `trace summary`'s counting time.
class pair_index {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  /// The value of (a, b), or `fresh` inserted (and returned) when the pair is new.
  std::uint32_t find_or_add(std::uint64_t a, std::uint64_t b, std::uint32_t fresh) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    for (std::size_t i = slot_of(a, b);; i = (i + 1) & mask_) {
      auto& sl = slots_[i];
      if (sl.value == kNone) {
        sl = {a, b, fresh};
        ++size_;
        return fresh;
      }
      if (sl.a == a && sl.b == b) return sl.value;
    }
  }

  std::uint32_t find(std::uint64_t a, std::uint64_t b) const {
    if (slots_.empty()) return kNone;
    for (std::size_t i = slot_of(a, b);; i = (i + 1) & mask_) {
      const auto& sl = slots_[i];
      if (sl.value == kNone) return kNone;
      if (sl.a == a && sl.b == b) return sl.value;
    }
  }

 private:
  struct slot {
    std::uint64_t a = 0, b = 0;
    std::uint32_t value = kNone;
  };

  std::size_t slot_of(std::uint64_t a, std::uint64_t b) const {
    const std::uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>(h ^ (h >> 29)) & mask_;
  }

  void grow() {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(64, old.size() * 2), slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const auto& sl : old)
      if (sl.value != kNone) find_or_add(sl.a, sl.b, sl.value);
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

// Send times (aligned) of each sender by message id, for the latency of the receives.
class send_index {
 public:
  void add(trace_actor sender, std::uint64_t seq, std::int64_t t) {
    const auto k =
        index_.find_or_add(actor_key(sender), 0, static_cast<std::uint32_t>(by_sender_.size()));
    if (k == by_sender_.size()) by_sender_.emplace_back();
    auto& v = by_sender_[k];
    if (seq >= v.size()) {
      if (seq > (std::uint64_t{1} << 34)) return;  // not a plausible sequence number
      v.resize(std::max<std::size_t>(seq + 1, v.size() * 2), kNone);
    }
    v[seq] = t;
  }
  bool find(trace_actor sender, std::uint64_t seq, std::int64_t& t) const {
    const auto k = index_.find(actor_key(sender), 0);
    if (k == pair_index::kNone) return false;
    const auto& v = by_sender_[k];
    if (seq >= v.size() || v[seq] == kNone) return false;
    t = v[seq];
    return true;
  }

 private:
  static constexpr std::int64_t kNone = INT64_MIN;
  pair_index index_;
  std::vector<std::vector<std::int64_t>> by_sender_;
};

// Every receive paired with its send (indexed in `sends`) by message id (sender, seq), in file
// order.
template <class Fn>
void pair_receives(const trace_run& run, const send_index& sends, Fn&& fn) {
  for (const auto& n : run.nodes)
    for (const auto& e : n.file.events) {
      if (e.dir != trace_direction::received || e.seq == 0) continue;
      std::int64_t sent = 0;
      if (!sends.find(e.peer, e.seq, sent)) continue;
      fn(paired_message{e.peer, e.actor, e.type, sent, aligned(n, e.t_ns) - sent});
    }
}

class counter {
 public:
  /// `sends`, when given, indexes every send with a message id as it is counted (one pass over
  /// the records fewer than indexing them apart: the records do not fit in any cache).
  counter(trace_summary& s, send_index* sends) : s_(s), sends_(sends) {}

  worker_summary* worker(trace_actor a) {
    if (a.role != trace_role::worker || a.index >= kMaxWorkers) return nullptr;
    if (a.index >= s_.workers.size()) {
      const auto old = s_.workers.size();
      s_.workers.resize(a.index + 1);
      for (auto k = old; k < s_.workers.size(); ++k)
        s_.workers[k].worker = static_cast<std::uint32_t>(k);
    }
    return &s_.workers[a.index];
  }

  link_summary& link(trace_actor from, trace_actor to) {
    const auto n = static_cast<std::uint32_t>(s_.links.size());
    const auto k = link_index_.find_or_add(actor_key(from), actor_key(to), n);
    if (k == n) s_.links.push_back({from, to, 0, 0, 0, {}});
    return s_.links[k];
  }

  void count(const trace_node& n, node_summary& ns) {
    for (const auto& e : n.file.events) {
      const auto t = static_cast<std::uint64_t>(aligned(n, e.t_ns));
      const auto ty = static_cast<std::size_t>(e.type);
      if (e.type == trace_type::anchor) {
        ++ns.anchors;
        continue;
      }
      if (e.dir == trace_direction::span) {
        ++ns.spans;
        on_span(e, t);
        continue;
      }
      if (!is_message(e) || ty >= ns.sent.size()) continue;
      auto& tc = e.dir == trace_direction::sent ? ns.sent[ty] : ns.received[ty];
      ++tc.count;
      tc.bytes += e.bytes;
      if (auto* w = worker(e.actor)) on_worker_record(*w, e, t);
      if (e.dir == trace_direction::sent) {
        if (sends_ != nullptr && e.seq != 0)
          sends_->add(e.actor, e.seq, static_cast<std::int64_t>(t));
        auto& l = link(e.actor, e.peer);
        ++l.count;
        l.bytes += e.bytes;
      } else if (e.actor.role == trace_role::master &&
                 (e.type == trace_type::push || e.type == trace_type::exchange)) {
        on_master_received(e);
      }
    }
  }

  void paired(const paired_message& m) {
    auto& l = link(m.from, m.to);
    ++l.paired;
    l.latency_ns.add(m.latency_ns);
  }

 private:
  void on_span(const trace_event& e, std::uint64_t t) {
    if (e.type == trace_type::compute) {
      if (auto* w = worker(e.actor)) {
        ++w->computes;
        w->compute_ns += e.duration_ns;
        note_time(*w, t);
        note_time(*w, t + e.duration_ns);
      }
    } else if (e.type == trace_type::apply) {
      ++s_.master_applies;
      s_.master_apply_ns += e.duration_ns;
    }
  }

  static void note_time(worker_summary& w, std::uint64_t t) {
    if (!w.seen || t < w.first_ns) w.first_ns = t;
    if (!w.seen || t > w.last_ns) w.last_ns = t;
    w.seen = true;
  }

  static void on_worker_record(worker_summary& w, const trace_event& e, std::uint64_t t) {
    note_time(w, t);
    if (e.dir == trace_direction::sent) {
      w.bytes_sent += e.bytes;
      if (e.type == trace_type::push) ++w.pushes;
      if (e.type == trace_type::pull) ++w.pulls;
      if (e.type == trace_type::exchange) ++w.exchanges;
    } else {
      w.bytes_received += e.bytes;
    }
  }

  void on_master_received(const trace_event& e) {
    auto* w = worker(e.peer);
    if (w == nullptr) return;
    if (e.staleness < 0) {
      ++w->rejected;
      return;
    }
    ++w->applied;
    w->staleness.add(e.staleness);
    s_.staleness.add(e.staleness);
  }

  trace_summary& s_;
  send_index* sends_;
  pair_index link_index_;
};

}  // namespace

void for_each_paired(const trace_run& run, const std::function<void(const paired_message&)>& fn) {
  send_index sends;
  for (const auto& n : run.nodes)
    for (const auto& e : n.file.events)
      if (e.dir == trace_direction::sent && e.seq != 0)
        sends.add(e.actor, e.seq, aligned(n, e.t_ns));
  pair_receives(run, sends, fn);
}

void int_distribution::add(std::int64_t v) {
  ++count;
  sum += static_cast<double>(v);
  if (v >= 0 && static_cast<std::uint64_t>(v) < kDenseValues) {
    if (static_cast<std::size_t>(v) >= dense.size()) dense.resize(static_cast<std::size_t>(v) + 1);
    ++dense[static_cast<std::size_t>(v)];
  } else {
    ++sparse[v];
  }
}

std::int64_t int_distribution::min() const { return quantile(0.0); }
std::int64_t int_distribution::max() const { return quantile(1.0); }

std::int64_t int_distribution::quantile(double q) const {
  if (count == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count))));
  std::uint64_t seen = 0;
  // Ascending order: negative sparse values, the dense range, the large sparse values.
  auto it = sparse.begin();
  for (; it != sparse.end() && it->first < 0; ++it)
    if ((seen += it->second) >= rank) return it->first;
  for (std::size_t v = 0; v < dense.size(); ++v)
    if ((seen += dense[v]) >= rank) return static_cast<std::int64_t>(v);
  for (; it != sparse.end(); ++it)
    if ((seen += it->second) >= rank) return it->first;
  return sparse.empty() ? static_cast<std::int64_t>(dense.size()) - 1 : sparse.rbegin()->first;
}

double worker_summary::busy() const {
  if (compute_ns == 0 || last_ns <= first_ns) return 0.0;
  return std::min(1.0, static_cast<double>(compute_ns) / static_cast<double>(last_ns - first_ns));
}

std::string describe(engine::trace_actor a) {
  switch (a.role) {
    case trace_role::master:
      return fmt::format("master {}", std::uint32_t{a.index});
    case trace_role::worker:
      return fmt::format("worker {}", std::uint32_t{a.index});
    case trace_role::collector:
      return "collector";
  }
  return "?";
}

trace_summary summarize(const trace_run& run) {
  trace_summary s;
  s.foreign = run.foreign;
  s.notes = run.notes;
  s.has_ids = run.has_ids;
  s.has_spans = run.has_spans;
  send_index sends;
  counter c(s, run.has_ids ? &sends : nullptr);
  for (const auto& n : run.nodes) {
    node_summary ns;
    ns.node = n.file.node;
    ns.path = n.path.string();
    ns.format_version = n.file.format_version;
    ns.records = n.file.events.size();
    ns.truncated = n.file.truncated;
    ns.offset_ns = n.offset_ns;
    ns.uncertainty_ns = n.uncertainty_ns;
    ns.offset_method = n.offset_method;
    c.count(n, ns);
    s.nodes.push_back(std::move(ns));
  }
  if (run.has_ids) pair_receives(run, sends, [&](const paired_message& m) { c.paired(m); });
  std::sort(s.links.begin(), s.links.end(), [](const link_summary& a, const link_summary& b) {
    return std::make_pair(actor_key(a.from), actor_key(a.to)) <
           std::make_pair(actor_key(b.from), actor_key(b.to));
  });
  return s;
}

}  // namespace sgmc::tools
