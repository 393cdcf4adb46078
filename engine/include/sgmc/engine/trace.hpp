#pragma once
// Message traces: every message a node's actors send or receive, one fixed-size binary record
// each, written per node to runs/<name>/trace/NODE.trace. The format (versioned header, then
// records) is documented in docs/trace-format.md; trace_reader reads it back and rejects a
// malformed file with a clear error.
#include "sgmc/core/error.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::engine {

/// Message types as recorded (values are part of the file format: never renumber).
enum class trace_type : std::uint8_t {
  push = 1,
  pull = 2,
  params = 3,
  exchange = 4,
  sample = 5,
  hello = 6,
  welcome = 7,
  stop = 8,
  // Version 2 adds (never renumber):
  compute = 9,  ///< span: a worker computing a gradient or its local steps
  apply = 10,   ///< span: a master shard applying an update (one sampler step)
  anchor = 11,  ///< clock anchor: t_ns (monotonic) and realtime_ns read together
};
const char* to_string(trace_type t);

/// sent/received for messages; span for compute/apply; none for anchors (version 2).
enum class trace_direction : std::uint8_t { sent = 0, received = 1, span = 2, none = 3 };

/// Who sent or received: a role and an index (master shard k, worker i, the collector).
enum class trace_role : std::uint8_t { master = 0, worker = 1, collector = 2 };
struct trace_actor {
  trace_role role = trace_role::master;
  std::uint32_t index = 0;
  friend bool operator==(const trace_actor&, const trace_actor&) = default;
};

/// One record.
struct trace_event {
  std::uint64_t t_ns = 0;  ///< CLOCK_MONOTONIC, ns (comparable across nodes of one host)
  trace_actor actor;       ///< the recording actor
  trace_actor peer;        ///< the other end
  trace_type type = trace_type::push;
  trace_direction dir = trace_direction::sent;
  std::uint64_t bytes = 0;      ///< payload bytes (floats × 4) plus the fixed fields
  std::uint64_t version = 0;    ///< the version the message carries (0 if none)
  std::int64_t staleness = -1;  ///< of an applied push or exchange; −1 when not applicable
  // Version 2 (zero when read from version 1):
  /// Message id: the sender's per-sender sequence number (from 1; 0 = none). The sender is
  /// `actor` of a sent record and `peer` of a received one, so (sender, seq) pairs a receive
  /// with its send across nodes.
  std::uint64_t seq = 0;
  std::uint64_t duration_ns = 0;  ///< spans: length (t_ns is the start); 0 otherwise
  std::uint64_t realtime_ns = 0;  ///< anchors: CLOCK_REALTIME read together with t_ns
};

/// 128-bit run id: the same in every node's trace of one run (version 2; zero in version 1).
using trace_run_id = std::array<std::uint8_t, 16>;

/// Monotonic clock in ns (the trace's time base).
std::uint64_t trace_now_ns();

/// Receives a copy of every record a trace_writer records (a live publisher: actors'
/// trace_publisher). Called on the recording actor's thread, concurrently from several: it
/// must be thread-safe and must not block.
class trace_tap {
 public:
  virtual ~trace_tap() = default;
  virtual void on_record(const trace_event& e) = 0;
};

/// Appends records to one node's trace file. Thread-safe (the actors of a node share it);
/// records are buffered and written in blocks, and the file is complete after flush() or
/// destruction. A write error is kept and reported by flush().
class trace_writer {
 public:
  /// Creates (truncates) `path` and writes the header naming the node.
  static expected<std::unique_ptr<trace_writer>> open(const std::filesystem::path& path,
                                                      const std::string& node);
  ~trace_writer();
  void record(const trace_event& e);
  /// Forwards every record from now on to `tap` (not owned; null: none). Clear it before the
  /// tap is destroyed.
  void set_tap(trace_tap* tap);
  expected<void> flush();
  std::uint64_t records() const;

 private:
  struct impl;
  explicit trace_writer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// A whole trace file.
struct trace_file {
  std::uint32_t format_version = 0;
  std::string node;
  trace_run_id run_id{};            ///< version 2; zero in version 1
  std::uint64_t config_hash = 0;    ///< version 2: hash of the resolved config.toml text
  std::vector<trace_event> events;  ///< anchors included (type anchor)
  bool truncated = false;  ///< the file ended inside a record: read up to the last whole one
};

/// Reads a trace file; errc::invalid_data naming the file and what is wrong (bad magic,
/// unknown version, truncated record, unknown message type) otherwise.
expected<trace_file> read_trace(const std::filesystem::path& path);

}  // namespace sgmc::engine
