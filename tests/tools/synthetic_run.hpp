#pragma once
// A small distributed run built in memory, with every answer known: a master node and two
// worker nodes whose clocks lag the master's by kLag[w] ns. Each worker does `rounds` round
// trips: pull (seq odd) → params → compute span of kCompute ns → push (seq even), every
// message one-way kLatency ns; the master applies push i of worker w with staleness (i + w) % 4
// and rejects every 10th push of worker 1 (staleness −1).
#include "sgmc/tools/trace_run.hpp"

#include <cstdint>
#include <string>

namespace sgmc::tools::test {

inline constexpr std::uint64_t kLatency = 10'000;
inline constexpr std::uint64_t kCompute = 80'000;
inline constexpr std::int64_t kLag[2] = {1'000'000, -3'000'000};
inline constexpr std::uint64_t kStart = 10'000'000;

inline engine::trace_event message(std::uint64_t t, engine::trace_actor me,
                                   engine::trace_actor peer, engine::trace_type type,
                                   engine::trace_direction dir, std::uint64_t seq,
                                   std::uint64_t bytes) {
  engine::trace_event e;
  e.t_ns = t;
  e.actor = me;
  e.peer = peer;
  e.type = type;
  e.dir = dir;
  e.seq = seq;
  e.bytes = bytes;
  return e;
}

/// version 2 with message ids and spans; version 1: ids, spans and anchors left out.
inline trace_run synthetic_run(std::uint32_t rounds, std::uint32_t version = 2) {
  using engine::trace_direction;
  using engine::trace_role;
  using engine::trace_type;
  const engine::trace_actor master{trace_role::master, 0};
  engine::trace_file m;
  m.format_version = version;
  m.node = "master";
  m.run_id[0] = 7;
  m.config_hash = 42;
  engine::trace_file ws[2];
  std::uint64_t master_seq = 0;
  for (std::uint32_t w = 0; w < 2; ++w) {
    auto& f = ws[w];
    f.format_version = m.format_version;
    f.run_id = m.run_id;
    f.config_hash = m.config_hash;
    f.node = "worker-" + std::to_string(w);
    const engine::trace_actor me{trace_role::worker, w};
    const auto local = [&](std::uint64_t t) { return static_cast<std::uint64_t>(t - kLag[w]); };
    std::uint64_t t = kStart + w * 5000;
    for (std::uint32_t i = 0; i < rounds; ++i) {
      const std::uint64_t pull = 2 * i + 1, push = 2 * i + 2, params = ++master_seq;
      f.events.push_back(
          message(local(t), me, master, trace_type::pull, trace_direction::sent, pull, 16));
      m.events.push_back(
          message(t + kLatency, master, me, trace_type::pull, trace_direction::received, pull, 16));
      m.events.push_back(message(t + kLatency + 1000, master, me, trace_type::params,
                                 trace_direction::sent, params, 100));
      f.events.push_back(message(local(t + 2 * kLatency + 1000), me, master, trace_type::params,
                                 trace_direction::received, params, 100));
      const std::uint64_t c0 = t + 2 * kLatency + 2000;
      auto span = message(local(c0), me, me, trace_type::compute, trace_direction::span, 0, 0);
      span.duration_ns = kCompute;
      f.events.push_back(span);
      const std::uint64_t tp = c0 + kCompute;
      f.events.push_back(
          message(local(tp), me, master, trace_type::push, trace_direction::sent, push, 120));
      auto r = message(tp + kLatency, master, me, trace_type::push, trace_direction::received, push,
                       120);
      r.staleness = (w == 1 && i % 10 == 9) ? -1 : static_cast<std::int64_t>((i + w) % 4);
      m.events.push_back(r);
      t = tp + kLatency + 3000;
    }
  }
  if (version < 2)
    for (auto* f : {&m, &ws[0], &ws[1]}) {
      f->run_id = {};
      f->config_hash = 0;
      std::erase_if(f->events, [](const engine::trace_event& e) {
        return e.dir == engine::trace_direction::span;
      });
      for (auto& e : f->events) e.seq = 0;
    }
  std::vector<trace_node> nodes;
  nodes.push_back({"worker-1.trace", std::move(ws[1]), 0, 0, {}});
  nodes.push_back({"master.trace", std::move(m), 0, 0, {}});
  nodes.push_back({"worker-0.trace", std::move(ws[0]), 0, 0, {}});
  return make_trace_run(std::move(nodes));
}

}  // namespace sgmc::tools::test
