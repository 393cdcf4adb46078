#pragma once
// `sgmc trace summary`: what the traces of one run say, counted once over every record.
//
//   per node:    records, and per message type and direction the count and bytes
//   per worker:  pushes, pulls (sent by it), updates applied and rejected by the master (its
//                received pushes and exchanges with staleness ≥ 0, and the others), the
//                staleness of the applied ones (min, median, p95, p99, max, histogram), bytes
//                sent and received, compute time from its compute spans and the busy fraction
//                compute / (last record − first record); wait = that span − compute
//   per link:    (sender, receiver) messages and bytes as sent, and the send → receive latency
//                of the pairs matched by message id (clock offsets applied, trace_run.hpp)
#include "sgmc/tools/trace_run.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sgmc::tools {

/// Exact quantiles of integer samples kept as counts (value → count). The quantile q is the
/// smallest value v with at least ceil(q · n) samples ≤ v ("nearest rank").
struct int_distribution {
  std::vector<std::uint64_t> dense;              ///< counts of 0..dense.size()−1
  std::map<std::int64_t, std::uint64_t> sparse;  ///< counts of the other values
  std::uint64_t count = 0;
  double sum = 0.0;

  void add(std::int64_t v);
  std::int64_t min() const;
  std::int64_t max() const;
  std::int64_t quantile(double q) const;
  double mean() const { return count == 0 ? 0.0 : sum / static_cast<double>(count); }
};

struct type_count {
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
};

/// Counts indexed by the trace_type value (1..11).
using type_counts = std::array<type_count, 12>;

struct node_summary {
  std::string node;
  std::string path;
  std::uint32_t format_version = 0;
  std::uint64_t records = 0;
  bool truncated = false;
  type_counts sent, received;
  std::uint64_t spans = 0, anchors = 0;
  std::int64_t offset_ns = 0;
  std::uint64_t uncertainty_ns = 0;
  std::string offset_method;
};

struct worker_summary {
  std::uint32_t worker = 0;
  std::uint64_t pushes = 0, pulls = 0, exchanges = 0;  ///< sent by the worker
  std::uint64_t applied = 0, rejected = 0;             ///< by the master (its received records)
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  int_distribution staleness;                  ///< of the applied updates
  std::uint64_t compute_ns = 0, computes = 0;  ///< compute spans
  std::uint64_t first_ns = 0, last_ns = 0;     ///< its records' time span (aligned)
  bool seen = false;
  double busy() const;  ///< compute / (last − first); 0 without spans
};

struct link_summary {
  engine::trace_actor from, to;
  std::uint64_t count = 0, bytes = 0;
  std::uint64_t paired = 0;     ///< receives matched to their send by message id
  int_distribution latency_ns;  ///< of the paired ones
};

struct trace_summary {
  std::vector<node_summary> nodes;
  std::vector<worker_summary> workers;                    ///< by worker index
  std::vector<link_summary> links;                        ///< by (from, to)
  int_distribution staleness;                             ///< all applied updates
  std::uint64_t master_applies = 0, master_apply_ns = 0;  ///< apply spans of the shards
  std::vector<std::string> foreign, notes;
  bool has_ids = false, has_spans = false;
};

trace_summary summarize(const trace_run& run);

/// A received message matched to its send by (sender, message id); times on the reference clock.
struct paired_message {
  engine::trace_actor from, to;
  engine::trace_type type{};
  std::int64_t sent_ns = 0;
  std::int64_t latency_ns = 0;  ///< receive − send
};

/// Calls `fn` for every receive of `run` that pairs with its send (none without message ids).
void for_each_paired(const trace_run& run, const std::function<void(const paired_message&)>& fn);

/// The text report (what `sgmc trace summary` prints).
std::string format_text(const trace_summary& s);
/// The same as one JSON object.
std::string format_json(const trace_summary& s);

/// `s` as a JSON string literal (quotes and escapes included).
std::string json_string(const std::string& s);

/// "master 0", "worker 3", "collector".
std::string describe(engine::trace_actor a);

}  // namespace sgmc::tools
