#include "trace_format.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace sgmc::engine {
namespace {

namespace tf = trace_format;

// Each actor appends to a ring of its own (trace_lane): no lock, no atomic read-modify-write,
// one release store per record. The writer's thread drains every ring to the file when one is
// half full (it is woken then) and at least every kSweepEvery, so that a node killed mid-run
// leaves a trace that ends at most that long before its end. The rings are large so that the
// writer's thread wakes rarely: on a 2-core host every wake-up preempts an actor thread (with
// 64 KiB hand-offs that doubled the context switches of a run with tiny messages and cost it
// 25-40 % of its speed). A full ring makes its actor wait for the disk (back-pressure, never
// unbounded memory).
constexpr std::size_t kLaneBytes = std::size_t{2} << 20;
constexpr std::chrono::seconds kSweepEvery{1};
constexpr std::uint64_t kAnchorEveryNs = 2'000'000'000;
constexpr std::uint64_t kRecord = tf::v2::kRecordBytes;
static_assert(kLaneBytes % kRecord == 0 && (kLaneBytes & (kLaneBytes - 1)) == 0);

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// A clock anchor: CLOCK_REALTIME read between two CLOCK_MONOTONIC readings, paired with their
// midpoint.
trace_event read_anchor() {
  const auto m0 = clock_ns(CLOCK_MONOTONIC);
  const auto r = clock_ns(CLOCK_REALTIME);
  const auto m1 = clock_ns(CLOCK_MONOTONIC);
  trace_event e;
  e.t_ns = m0 + (m1 - m0) / 2;
  e.realtime_ns = r;
  e.type = trace_type::anchor;
  e.dir = trace_direction::none;
  e.actor = {trace_role::master, 0};
  e.peer = {trace_role::master, 0};
  e.staleness = -1;
  return e;
}

}  // namespace

namespace detail {

// What a lane needs of its writer: the tap, and a way to wake the writer's thread.
struct trace_lane_owner {
  std::atomic<trace_tap*> tap{nullptr};  // set_tap(): a copy of every record
  std::mutex mu;
  std::condition_variable cv;
  bool wake = false;
  bool stopping = false;

  void wake_writer() {
    {
      std::lock_guard lock(mu);
      wake = true;
    }
    cv.notify_one();
  }
};

}  // namespace detail

const char* to_string(trace_type t) {
  switch (t) {
    case trace_type::push:
      return "push";
    case trace_type::pull:
      return "pull";
    case trace_type::params:
      return "params";
    case trace_type::exchange:
      return "exchange";
    case trace_type::sample:
      return "sample";
    case trace_type::hello:
      return "hello";
    case trace_type::welcome:
      return "welcome";
    case trace_type::stop:
      return "stop";
    case trace_type::compute:
      return "compute";
    case trace_type::apply:
      return "apply";
    case trace_type::anchor:
      return "anchor";
  }
  return "unknown";
}

trace_run_id new_trace_run_id() {
  std::random_device rd;
  trace_run_id id{};
  for (std::size_t i = 0; i < id.size(); i += 4) {
    const std::uint32_t x = rd();
    std::memcpy(id.data() + i, &x, 4);
  }
  return id;
}

std::string to_hex(const trace_run_id& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * id.size());
  for (auto b : id) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

trace_lane::trace_lane(detail::trace_lane_owner* o, std::size_t capacity)
    : wake_at_(capacity / 2),
      // Aligned: each record is one cache line.
      ring_(static_cast<unsigned char*>(::operator new[](capacity, std::align_val_t{64}))),
      mask_(capacity - 1),
      owner_(o) {}

trace_lane::~trace_lane() { ::operator delete[](ring_, std::align_val_t{64}); }

void trace_lane::record(const trace_event& e) {
  if (trace_tap* tap = owner_->tap.load(std::memory_order_acquire)) tap->on_record(e);
  const std::uint64_t h = head_.load(std::memory_order_relaxed);
  if (h + kRecord - tail_seen_ > mask_ + 1) wait_for_room(h);
  tf::encode(e, ring_ + (h & mask_));
  head_.store(h + kRecord, std::memory_order_release);
  if (h + kRecord >= wake_at_) {
    wake_at_ += (mask_ + 1) / 2;
    owner_->wake_writer();
  }
}

void trace_lane::wait_for_room(std::uint64_t h) {
  while (true) {
    tail_seen_ = tail_.load(std::memory_order_acquire);
    if (h + kRecord - tail_seen_ <= mask_ + 1) return;
    owner_->wake_writer();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

std::uint64_t trace_lane::records() const {
  return head_.load(std::memory_order_relaxed) / kRecord;
}

struct trace_writer::impl : detail::trace_lane_owner {
  std::filesystem::path path;
  trace_run_id run_id{};
  std::mutex lanes_mu;  // lanes
  std::vector<std::unique_ptr<trace_lane>> lanes;
  std::mutex shared_mu;  // appending to `shared`
  trace_lane* shared = nullptr;
  std::mutex file_mu;  // everything below: draining and writing
  file_ptr file;
  std::optional<sgmc::error> failure;  // the first write error, reported by flush()
  std::uint64_t last_anchor_ns = 0;
  std::thread writer;

  void fail(const char* what) {
    if (!failure) {
      failure = sgmc::error{errc::io, std::string("trace: cannot ") + what + " " + path.string() +
                                          ": " + std::strerror(errno)};
    }
  }

  void write(const unsigned char* p, std::size_t n) {
    if (failure) return;  // records after a failed write are dropped: the file is broken
    if (std::fwrite(p, 1, n, file.get()) != n) fail("write");
  }

  trace_lane* add_lane() {
    std::lock_guard lock(lanes_mu);
    lanes.push_back(std::unique_ptr<trace_lane>(new trace_lane(this, kLaneBytes)));
    return lanes.back().get();
  }

  // Writes what `l` holds. Call with file_mu held.
  void drain(trace_lane& l) {
    const std::uint64_t h = l.head_.load(std::memory_order_acquire);
    std::uint64_t t = l.tail_.load(std::memory_order_relaxed);
    while (t < h) {
      const std::size_t off = t & l.mask_;
      const std::size_t n = std::min<std::uint64_t>(h - t, l.mask_ + 1 - off);
      write(l.ring_ + off, n);
      t += n;
    }
    l.tail_.store(t, std::memory_order_release);
  }

  void write_anchor(const trace_event& a) {
    std::array<unsigned char, kRecord> buf{};
    tf::encode(a, buf.data());
    write(buf.data(), buf.size());
    last_anchor_ns = a.t_ns;
  }

  // Drains every lane, then writes a clock anchor if the last is kAnchorEveryNs old (or
  // `anchor` asks for one).
  void drain_all(bool anchor = false) {
    std::vector<trace_lane*> all;
    {
      std::lock_guard lock(lanes_mu);
      all.reserve(lanes.size());
      for (const auto& l : lanes) all.push_back(l.get());
    }
    std::lock_guard lock(file_mu);
    for (auto* l : all) drain(*l);
    const auto a = read_anchor();
    if (anchor || a.t_ns >= last_anchor_ns + kAnchorEveryNs) write_anchor(a);
  }

  void write_loop() {
    while (true) {
      bool stop = false;
      {
        std::unique_lock lock(mu);
        cv.wait_for(lock, kSweepEvery, [&] { return wake || stopping; });
        wake = false;
        stop = stopping;
      }
      if (stop) return;
      drain_all();
    }
  }
};

trace_writer::trace_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  impl_->shared = impl_->add_lane();
  impl_->writer = std::thread([s = impl_.get()] { s->write_loop(); });
}

trace_writer::~trace_writer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_one();
  impl_->writer.join();
  impl_->drain_all(true);  // everything, and a last anchor
  std::lock_guard lock(impl_->file_mu);
  std::fflush(impl_->file.get());
}

expected<std::unique_ptr<trace_writer>> trace_writer::open(const std::filesystem::path& path,
                                                           const std::string& node,
                                                           const trace_run_id& run_id,
                                                           std::uint64_t config_hash) {
  if (node.size() > tf::kMaxNodeBytes) {
    return make_error(errc::invalid_argument, "trace: node name longer than 4096 bytes");
  }
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  file_ptr f{std::fopen(path.c_str(), "wb")};
  if (!f) {
    return make_error(errc::io,
                      "trace: cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::setvbuf(f.get(), nullptr, _IONBF, 0);  // we write whole ranges ourselves
  const auto anchor = read_anchor();
  std::vector<unsigned char> header(tf::header_bytes(2, node.size()), 0);
  std::memcpy(header.data(), tf::kMagic.data(), tf::kMagic.size());
  tf::put_u32(header.data() + 8, tf::kVersion);
  tf::put_u32(header.data() + 12, static_cast<std::uint32_t>(header.size()));
  tf::put_u32(header.data() + 16, static_cast<std::uint32_t>(tf::v2::kRecordBytes));
  tf::put_u32(header.data() + 20, static_cast<std::uint32_t>(node.size()));
  std::memcpy(header.data() + tf::v2::kRunId, run_id.data(), run_id.size());
  tf::put_u64(header.data() + tf::v2::kConfigHash, config_hash);
  tf::put_u64(header.data() + tf::v2::kAnchorT, anchor.t_ns);
  tf::put_u64(header.data() + tf::v2::kAnchorRealtime, anchor.realtime_ns);
  std::memcpy(header.data() + tf::v2::kFixedHeaderBytes, node.data(), node.size());
  if (std::fwrite(header.data(), 1, header.size(), f.get()) != header.size()) {
    return make_error(errc::io,
                      "trace: cannot write " + path.string() + ": " + std::strerror(errno));
  }
  auto p = std::make_unique<impl>();
  p->path = path;
  p->file = std::move(f);
  p->run_id = run_id;
  p->write_anchor(anchor);  // the first record: the header's anchor
  if (p->failure) return unexpected(*p->failure);
  return std::unique_ptr<trace_writer>(new trace_writer(std::move(p)));
}

trace_lane* trace_writer::lane() { return impl_->add_lane(); }

void trace_writer::set_tap(trace_tap* tap) { impl_->tap.store(tap, std::memory_order_release); }

void trace_writer::record(const trace_event& e) {
  std::lock_guard lock(impl_->shared_mu);
  impl_->shared->record(e);
}

expected<void> trace_writer::flush() {
  impl& s = *impl_;
  s.drain_all();
  std::lock_guard lock(s.file_mu);
  if (std::fflush(s.file.get()) != 0) s.fail("write");
  if (s.failure) return unexpected(*s.failure);
  return {};
}

std::uint64_t trace_writer::records() const {
  std::lock_guard lock(impl_->lanes_mu);
  std::uint64_t n = 0;
  for (const auto& l : impl_->lanes) n += l->records();
  return n;
}

const trace_run_id& trace_writer::run_id() const { return impl_->run_id; }

}  // namespace sgmc::engine
