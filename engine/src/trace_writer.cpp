#include "trace_format.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace sgmc::engine {
namespace {

namespace tf = trace_format;

// Each recording thread appends to a 1 MiB block of its own under a spin flag that only
// flush() ever contends for, so the actors of a node do not serialise on one mutex. Full
// blocks go to the writer's own thread, which writes them to the file: the actors never wait
// for the disk, unless kMaxQueued blocks are waiting (back-pressure, never unbounded memory).
// Each thread that ever recorded keeps one block (1 MiB) until the writer is destroyed.
// The block is large on purpose: every hand-off wakes the writer thread, and on a 2-core host
// that wake-up preempts an actor thread. With 64 KiB blocks (1,365 records) those preemptions
// doubled the context switches of a run with tiny messages and cost it 25-40 % of its speed;
// with 1 MiB the tracing cost of the same run is within the noise (docs/PERFORMANCE.md).
constexpr std::size_t kBlockBytes = (std::size_t{1} << 20) / tf::kRecordBytes * tf::kRecordBytes;
constexpr std::size_t kMaxQueued = 8;
constexpr std::chrono::seconds kSweepEvery{1};

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

using block = std::vector<unsigned char>;

struct thread_block {
  std::thread::id owner = std::this_thread::get_id();
  std::atomic_flag busy;  // clear: nobody is appending or taking the block
  block buf = block(kBlockBytes);
  std::size_t used = 0;                   // bytes of buf holding records
  std::atomic<std::uint64_t> records{0};  // written by the owner only

  void lock() {
    while (busy.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
  }
  void unlock() { busy.clear(std::memory_order_release); }
};

// Per thread: its blocks in the last few writers it recorded into (writer ids are never
// reused, so an entry of a destroyed writer never matches again).
struct cache_entry {
  std::uint64_t writer = 0;
  thread_block* block = nullptr;
};
thread_local std::array<cache_entry, 4> block_cache;
thread_local unsigned block_cache_next = 0;
std::atomic<std::uint64_t> next_writer_id{1};

}  // namespace

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

struct trace_writer::impl {
  const std::uint64_t id = next_writer_id.fetch_add(1);
  std::filesystem::path path;
  file_ptr file;
  std::mutex mu;                      // everything below
  std::condition_variable have_full;  // the writer thread waits for blocks
  std::condition_variable have_free;  // hand_off() and flush() wait for the writer
  std::vector<std::unique_ptr<thread_block>> threads;
  std::deque<std::pair<block, std::size_t>> full;  // blocks to write, with their sizes
  std::vector<block> spare;
  bool writing = false;
  bool stopping = false;
  std::optional<sgmc::error> failure;  // the first write error, reported by flush()
  std::thread writer;

  std::atomic<trace_tap*> tap{nullptr};  // set_tap(): a copy of every record

  void fail(const char* what) {
    if (!failure) {
      failure = sgmc::error{errc::io, std::string("trace: cannot ") + what + " " + path.string() +
                                          ": " + std::strerror(errno)};
    }
  }

  // The calling thread's block, registered on first use.
  thread_block& mine() {
    for (const auto& c : block_cache) {
      if (c.writer == id) return *c.block;
    }
    std::lock_guard lock(mu);
    thread_block* found = nullptr;
    for (const auto& t : threads) {
      if (t->owner == std::this_thread::get_id()) found = t.get();
    }
    if (found == nullptr) {
      threads.push_back(std::make_unique<thread_block>());
      found = threads.back().get();
    }
    block_cache[block_cache_next++ % block_cache.size()] = {id, found};
    return *found;
  }

  // Queues tb's records for the writer thread and gives tb a fresh block. Call with tb locked
  // and mu not held (lock order: a thread block, then mu).
  void hand_off(thread_block& tb, bool wait_for_room = true) {
    std::unique_lock lock(mu);
    if (wait_for_room) have_free.wait(lock, [&] { return full.size() < kMaxQueued; });
    full.emplace_back(std::move(tb.buf), tb.used);
    if (spare.empty()) {
      tb.buf = block(kBlockBytes);
    } else {
      tb.buf = std::move(spare.back());
      spare.pop_back();
    }
    tb.used = 0;
    have_full.notify_one();
  }

  // Queues the records of every partly filled block (the writer thread's periodic sweep: it
  // does not wait for room, since it is the one that makes room). Call with mu not held.
  void sweep() {
    std::vector<thread_block*> blocks;
    {
      std::lock_guard lock(mu);
      for (const auto& t : threads) blocks.push_back(t.get());
    }
    for (thread_block* tb : blocks) {
      tb->lock();
      if (tb->used > 0) hand_off(*tb, false);
      tb->unlock();
    }
  }

  void write_loop() {
    std::unique_lock lock(mu);
    while (true) {
      // At least every kSweepEvery the records of partly filled blocks go to the file too, so
      // that a node killed mid-run leaves a trace that ends at most that long before its end.
      if (!have_full.wait_for(lock, kSweepEvery, [&] { return !full.empty() || stopping; })) {
        lock.unlock();
        sweep();
        lock.lock();
      }
      if (full.empty()) {
        if (stopping) return;
        continue;
      }
      auto [buf, n] = std::move(full.front());
      full.pop_front();
      writing = true;
      lock.unlock();
      const bool ok = std::fwrite(buf.data(), 1, n, file.get()) == n;
      lock.lock();
      if (!ok) fail("write");
      writing = false;
      spare.push_back(std::move(buf));
      have_free.notify_all();
    }
  }
};

trace_writer::trace_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  impl_->writer = std::thread([s = impl_.get()] { s->write_loop(); });
}

trace_writer::~trace_writer() {
  static_cast<void>(flush());
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->have_full.notify_one();
  impl_->writer.join();
}

expected<std::unique_ptr<trace_writer>> trace_writer::open(const std::filesystem::path& path,
                                                           const std::string& node) {
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
  std::setvbuf(f.get(), nullptr, _IONBF, 0);  // we write whole blocks ourselves
  block header(tf::header_bytes(node.size()), 0);
  std::memcpy(header.data(), tf::kMagic.data(), tf::kMagic.size());
  tf::put_u32(header.data() + 8, tf::kVersion);
  tf::put_u32(header.data() + 12, static_cast<std::uint32_t>(header.size()));
  tf::put_u32(header.data() + 16, static_cast<std::uint32_t>(tf::kRecordBytes));
  tf::put_u32(header.data() + 20, static_cast<std::uint32_t>(node.size()));
  std::memcpy(header.data() + tf::kFixedHeaderBytes, node.data(), node.size());
  if (std::fwrite(header.data(), 1, header.size(), f.get()) != header.size()) {
    return make_error(errc::io,
                      "trace: cannot write " + path.string() + ": " + std::strerror(errno));
  }
  auto p = std::make_unique<impl>();
  p->path = path;
  p->file = std::move(f);
  return std::unique_ptr<trace_writer>(new trace_writer(std::move(p)));
}

void trace_writer::set_tap(trace_tap* tap) { impl_->tap.store(tap, std::memory_order_release); }

void trace_writer::record(const trace_event& e) {
  impl& s = *impl_;
  if (trace_tap* tap = s.tap.load(std::memory_order_acquire)) tap->on_record(e);
  thread_block& tb = s.mine();
  tb.lock();
  if (tb.used == tb.buf.size()) s.hand_off(tb);
  tf::encode(e, tb.buf.data() + tb.used);
  tb.used += tf::kRecordBytes;
  tb.records.store(tb.records.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  tb.unlock();
}

expected<void> trace_writer::flush() {
  impl& s = *impl_;
  std::vector<thread_block*> blocks;
  {
    std::lock_guard lock(s.mu);
    for (const auto& t : s.threads) blocks.push_back(t.get());
  }
  for (thread_block* tb : blocks) {
    tb->lock();
    if (tb->used > 0) s.hand_off(*tb);
    tb->unlock();
  }
  std::unique_lock lock(s.mu);
  s.have_free.wait(lock, [&] { return s.full.empty() && !s.writing; });
  if (std::fflush(s.file.get()) != 0) s.fail("write");
  if (s.failure) return unexpected(*s.failure);
  return {};
}

std::uint64_t trace_writer::records() const {
  std::lock_guard lock(impl_->mu);
  std::uint64_t n = 0;
  for (const auto& t : impl_->threads) n += t->records.load(std::memory_order_relaxed);
  return n;
}

}  // namespace sgmc::engine
