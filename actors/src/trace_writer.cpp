#include "trace_format.hpp"

#include <atomic>
#include <cerrno>
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

namespace sgmc::actors {
namespace {

namespace tf = trace_format;

// Recording costs one encode under a mutex; the file writes happen on the writer's own thread,
// 64 KiB at a time, so that the actors never wait for the disk. At most kMaxBuffers blocks are
// in flight: a disk slower than the messages eventually makes record() wait (back-pressure,
// never unbounded memory).
constexpr std::size_t kBufferBytes = 65536 / tf::kRecordBytes * tf::kRecordBytes;
constexpr std::size_t kMaxBuffers = 16;

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

using block = std::vector<unsigned char>;

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
  }
  return "unknown";
}

std::uint64_t trace_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

struct trace_writer::impl {
  std::filesystem::path path;
  file_ptr file;
  std::mutex mu;
  std::condition_variable have_full;  // the writer thread waits for blocks
  std::condition_variable have_free;  // record() and flush() wait for the writer
  block active = block(kBufferBytes);
  std::size_t used = 0;                            // bytes of `active` holding records
  std::deque<std::pair<block, std::size_t>> full;  // blocks to write, with their sizes
  std::vector<block> spare;
  std::size_t blocks = 1;  // allocated so far
  bool writing = false;
  bool stopping = false;
  std::atomic<std::uint64_t> records{0};
  std::optional<sgmc::error> failure;  // the first write error, reported by flush()
  std::thread writer;

  void fail(const char* what) {
    if (!failure) {
      failure = sgmc::error{errc::io, std::string("trace: cannot ") + what + " " + path.string() +
                                          ": " + std::strerror(errno)};
    }
  }

  // Queues `active` (holding `used` bytes) for the writer thread and takes a fresh block;
  // waits while kMaxBuffers blocks are in flight. Other threads may record or hand off while
  // this one waits, so the loop re-checks `until`. Call with mu held.
  template <class Pred>
  void hand_off_until(std::unique_lock<std::mutex>& lock, Pred until) {
    while (!until()) {
      if (spare.empty() && blocks >= kMaxBuffers) {
        have_free.wait(lock);
        continue;
      }
      full.emplace_back(std::move(active), used);
      if (spare.empty()) {
        active = block(kBufferBytes);
        ++blocks;
      } else {
        active = std::move(spare.back());
        spare.pop_back();
      }
      used = 0;
      have_full.notify_one();
    }
  }

  void write_loop() {
    std::unique_lock lock(mu);
    while (true) {
      have_full.wait(lock, [&] { return !full.empty() || stopping; });
      if (full.empty()) return;
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
  std::setvbuf(f.get(), nullptr, _IONBF, 0);  // we write whole 64 KiB blocks ourselves
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

void trace_writer::record(const trace_event& e) {
  impl& s = *impl_;
  std::unique_lock lock(s.mu);
  s.hand_off_until(lock, [&] { return s.used < s.active.size(); });
  tf::encode(e, s.active.data() + s.used);
  s.used += tf::kRecordBytes;
  s.records.fetch_add(1, std::memory_order_relaxed);
}

expected<void> trace_writer::flush() {
  impl& s = *impl_;
  std::unique_lock lock(s.mu);
  s.hand_off_until(lock, [&] { return s.used == 0; });
  s.have_free.wait(lock, [&] { return s.full.empty() && !s.writing; });
  if (std::fflush(s.file.get()) != 0) s.fail("write");
  if (s.failure) return unexpected(*s.failure);
  return {};
}

std::uint64_t trace_writer::records() const {
  return impl_->records.load(std::memory_order_relaxed);
}

}  // namespace sgmc::actors
