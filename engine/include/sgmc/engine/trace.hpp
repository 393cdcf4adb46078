#pragma once
// Message traces: every message a node's actors send or receive, their compute spans and clock
// anchors, one fixed-size binary record each, written per node to runs/<name>/trace/NODE.trace.
// The format (versioned header, then records) is documented in docs/trace-format.md;
// trace_reader reads it back and rejects a malformed file with a clear error.
#include "sgmc/core/error.hpp"

#include <array>
#include <atomic>
#include <cstddef>
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
/// Packed (5 bytes, no padding): two of them, the type and the direction fit with the 48 bytes
/// of integers in a 64-byte `trace_event`, the size of a version-2 record. A trace of millions
/// of records is decoded into fresh pages, and the kernel's zeroing of them is most of the
/// reading time (docs/PERFORMANCE.md, `sgmc trace summary`).
struct __attribute__((packed)) trace_actor {
  trace_role role = trace_role::master;
  std::uint32_t index = 0;
  friend bool operator==(const trace_actor&, const trace_actor&) = default;
};
static_assert(sizeof(trace_actor) == 5);

/// One record: 64 bytes, as a version-2 record on disk (not the same layout).
struct trace_event {
  std::uint64_t t_ns = 0;       ///< CLOCK_MONOTONIC, ns (comparable across nodes of one host)
  std::uint64_t bytes = 0;      ///< payload bytes (floats × 4) plus the fixed fields
  std::uint64_t version = 0;    ///< the version the message carries (0 if none)
  std::int64_t staleness = -1;  ///< of an applied push or exchange; −1 when not applicable
  // Version 2 (zero when read from version 1):
  /// Message id: the sender's per-sender sequence number (from 1; 0 = none). The sender is
  /// `actor` of a sent record and `peer` of a received one, so (sender, seq) pairs a receive
  /// with its send across nodes.
  std::uint64_t seq = 0;
  /// One field, as on disk: a span's length or an anchor's realtime; 0 for a message.
  union {
    std::uint64_t duration_ns = 0;  ///< spans: length (t_ns is the start); 0 otherwise
    std::uint64_t realtime_ns;      ///< anchors: CLOCK_REALTIME read together with t_ns
  };
  trace_actor actor;  ///< the recording actor
  trace_actor peer;   ///< the other end
  trace_type type = trace_type::push;
  trace_direction dir = trace_direction::sent;
};
static_assert(sizeof(trace_event) == 64);

/// 128-bit run id: the same in every node's trace of one run (version 2; zero in version 1).
using trace_run_id = std::array<std::uint8_t, 16>;

namespace detail {
/// The trace clock's line from the TSC to CLOCK_MONOTONIC (engine/src/trace_clock.cpp): ns =
/// ns0 + (tsc − tsc0) × mult / 2^32 until tsc − tsc0 reaches due, behind a sequence lock.
struct trace_tsc_line {
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::int64_t> tsc0{0};
  std::atomic<std::uint64_t> ns0{0};
  std::atomic<std::uint64_t> mult{0};
  std::atomic<std::int64_t> due{0};
};
/// Set once the line is fitted; stays null where the TSC is not used.
extern std::atomic<const trace_tsc_line*> trace_tsc;
/// First use, a re-fit, or no TSC: the clock's slow path.
std::uint64_t trace_now_slow();
}  // namespace detail

/// Monotonic clock in ns (the trace's time base): CLOCK_MONOTONIC, read through the TSC where
/// the CPU and the kernel allow (engine/src/trace_clock.hpp). Inline: the actors read it about
/// five times per message round trip.
inline std::uint64_t trace_now_ns() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (const auto* l = detail::trace_tsc.load(std::memory_order_acquire)) {
    __extension__ typedef __int128 i128;
    std::uint32_t s = 0;
    std::int64_t tsc0 = 0, due = 0;
    std::uint64_t ns0 = 0, mult = 0;
    do {
      s = l->seq.load(std::memory_order_acquire);
      tsc0 = l->tsc0.load(std::memory_order_relaxed);
      ns0 = l->ns0.load(std::memory_order_relaxed);
      mult = l->mult.load(std::memory_order_relaxed);
      due = l->due.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
    } while ((s & 1) != 0 || l->seq.load(std::memory_order_relaxed) != s);
    const std::int64_t d = static_cast<std::int64_t>(__builtin_ia32_rdtsc()) - tsc0;
    if (d < due)
      return ns0 + static_cast<std::uint64_t>(
                       static_cast<std::int64_t>((static_cast<i128>(d) * mult) >> 32));
  }
#endif
  return detail::trace_now_slow();
}

/// Receives a copy of every record a trace_writer records (a live publisher: actors'
/// trace_publisher). Called on the recording actor's thread, concurrently from several: it
/// must be thread-safe and must not block.
class trace_tap {
 public:
  virtual ~trace_tap() = default;
  virtual void on_record(const trace_event& e) = 0;
};

/// A fresh random run id (from the system's entropy source).
trace_run_id new_trace_run_id();
/// 32 lowercase hex digits.
std::string to_hex(const trace_run_id& id);

namespace detail {
struct trace_lane_owner;
}

/// One actor's buffer in a trace writer (trace_writer::lane()): a lock-free ring that one
/// thread at a time appends to (an actor's handlers; CAF never runs two at once) and the
/// writer's thread drains. Owned by the writer: valid until the writer is destroyed.
class trace_lane {
 public:
  trace_lane(const trace_lane&) = delete;
  trace_lane& operator=(const trace_lane&) = delete;
  ~trace_lane();
  /// Appends one record (waits only when the ring is full: the disk is behind).
  void record(const trace_event& e);
  /// Records appended so far.
  std::uint64_t records() const;

 private:
  friend class trace_writer;
  trace_lane(detail::trace_lane_owner* o, std::size_t capacity);
  void wait_for_room(std::uint64_t head);

  // Producer side.
  alignas(64) std::atomic<std::uint64_t> head_{0};  ///< bytes appended
  std::uint64_t tail_seen_ = 0;                     ///< the last tail the producer read
  std::uint64_t wake_at_ = 0;                       ///< wake the writer when head_ reaches it
  unsigned char* ring_ = nullptr;
  std::size_t mask_ = 0;
  detail::trace_lane_owner* owner_ = nullptr;
  // Consumer side (the writer's thread, or flush()).
  alignas(64) std::atomic<std::uint64_t> tail_{0};  ///< bytes written to the file
};

/// Appends records to one node's trace file (format version 2). The actors of a node each
/// take a lane() and record into it without locks; record() takes a shared lane under a mutex
/// (start-up messages, tests). A thread of the writer's own drains the lanes to the file at
/// least once a second and writes a clock anchor every 2 s; the file is complete after
/// flush() or destruction. A write error is kept and reported by flush().
class trace_writer {
 public:
  /// Creates (truncates) `path` and writes the header naming the node, the run id (the same
  /// in every node's file of one run) and the config hash, then a first clock anchor.
  /// `clock_anchors` false: the records' times are not this host's CLOCK_MONOTONIC (the
  /// simulator's virtual time), so no anchors (the header's is zero).
  static expected<std::unique_ptr<trace_writer>> open(const std::filesystem::path& path,
                                                      const std::string& node,
                                                      const trace_run_id& run_id = {},
                                                      std::uint64_t config_hash = 0,
                                                      bool clock_anchors = true);
  ~trace_writer();
  /// A new lane for one actor (see trace_lane).
  trace_lane* lane();
  /// Thread-safe: appends to the shared lane under a mutex.
  void record(const trace_event& e);
  /// Forwards every record from now on to `tap` (not owned; null: none). Clear it before the
  /// tap is destroyed.
  void set_tap(trace_tap* tap);
  expected<void> flush();
  /// Records appended through every lane (clock anchors not counted).
  std::uint64_t records() const;
  const trace_run_id& run_id() const;

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
  // Version 2: the clock anchor taken when the file was opened (zero in version 1).
  std::uint64_t anchor_t_ns = 0;         ///< CLOCK_MONOTONIC
  std::uint64_t anchor_realtime_ns = 0;  ///< CLOCK_REALTIME read together with it
};

/// Reads a trace file of format version 1 or 2. errc::invalid_data, naming the file, the byte
/// offset and what is wrong, for anything but a well-formed file (truncated header, bad magic,
/// unknown version, sizes that disagree with the version, a record field out of range or
/// reserved bytes not zero); a file that ends inside a record (a node killed mid-write) is
/// read up to its last whole record with `truncated` set. errc::io when it cannot be read.
expected<trace_file> read_trace(const std::filesystem::path& path);

}  // namespace sgmc::engine
