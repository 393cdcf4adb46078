// Message traces (actors/trace.hpp, docs/trace-format.md): what the writer records the reader
// returns, from several threads; every kind of corruption is refused with an error naming the
// file and the record; the numpy snippet of the documentation reads the same values.
#include "sgmc/engine/trace.hpp"

#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace a = sgmc::engine;
namespace fs = std::filesystem;

namespace {

/// A fresh directory per test case (ctest runs cases in parallel processes).
fs::path scratch_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("sgmc-trace-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

a::trace_event event(std::uint32_t thread, std::uint64_t k) {
  a::trace_event e;
  e.t_ns = 1'000'000'000'000u + k * 1000 + thread;
  e.actor = {thread == 0 ? a::trace_role::master : a::trace_role::worker, thread};
  e.peer = {static_cast<a::trace_role>(k % 3), static_cast<std::uint32_t>(k % 5)};
  e.type = static_cast<a::trace_type>(1 + k % 8);
  e.dir = static_cast<a::trace_direction>(k % 2);
  e.bytes = 4 * k + 24;
  e.version = k;
  e.staleness = k % 4 == 0 ? -1 : static_cast<std::int64_t>(k % 7);
  return e;
}

/// Writes `n` events of thread 0 and returns the file.
fs::path write_small(const fs::path& dir, int n = 3) {
  auto path = dir / "node.trace";
  auto w = a::trace_writer::open(path, "master");
  REQUIRE(w);
  for (int k = 0; k < n; ++k) (*w)->record(event(0, static_cast<std::uint64_t>(k)));
  REQUIRE((*w)->flush());
  return path;
}

std::vector<char> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Applies `edit` to the file's bytes and returns what the reader says.
template <class Edit>
sgmc::error corrupted(const fs::path& path, Edit edit) {
  auto bytes = slurp(path);
  edit(bytes);
  spit(path, bytes);
  auto r = a::read_trace(path);
  REQUIRE(!r);
  INFO(r.error().message);
  CHECK(r.error().message.find(path.string()) != std::string::npos);
  return r.error();
}

constexpr std::size_t kHeader = 24 + 8;  // fixed part + "master" padded to 8
constexpr std::size_t kRecord = 48;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  CHECK(::pclose(pipe) == 0);
  return out;
}

/// The first ```python block of docs/trace-format.md.
std::string doc_snippet() {
  std::ifstream in(fs::path(SGMC_DOCS_DIR) / "trace-format.md");
  REQUIRE(in);
  std::string line, code;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```python") {
      inside = true;
    } else if (inside && line == "```") {
      break;
    } else if (inside) {
      code += line + "\n";
    }
  }
  REQUIRE(!code.empty());
  return code;
}

}  // namespace

TEST_CASE("trace events recorded from two threads, flushed meanwhile, read back intact",
          "[trace]") {
  auto dir = scratch_dir("roundtrip");
  const std::uint64_t per_thread = 30000;  // several 64 KiB blocks
  {
    auto w = a::trace_writer::open(dir / "sub" / "worker-1.trace", "worker-1");
    REQUIRE(w);
    auto& writer = **w;
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 2; ++t) {
      threads.emplace_back([&writer, t, per_thread] {
        for (std::uint64_t k = 0; k < per_thread; ++k) writer.record(event(t, k));
      });
    }
    for (int i = 0; i < 20; ++i) REQUIRE(writer.flush());  // flushes while both record
    for (auto& th : threads) th.join();
    CHECK(writer.records() == 2 * per_thread);
  }  // the destructor flushes
  auto r = a::read_trace(dir / "sub" / "worker-1.trace");
  REQUIRE(r);
  CHECK(r->format_version == 1);
  CHECK(r->node == "worker-1");
  REQUIRE(r->events.size() == 2 * per_thread);
  std::array<std::uint64_t, 2> next{0, 0};  // each thread's records stay in its order
  for (const auto& e : r->events) {
    const auto t = e.actor.index;
    REQUIRE(t < 2);
    const auto want = event(t, next[t]++);
    REQUIRE(e.t_ns == want.t_ns);
    REQUIRE(e.actor == want.actor);
    REQUIRE(e.peer == want.peer);
    REQUIRE(e.type == want.type);
    REQUIRE(e.dir == want.dir);
    REQUIRE(e.bytes == want.bytes);
    REQUIRE(e.version == want.version);
    REQUIRE(e.staleness == want.staleness);
  }
  CHECK((next[0] == per_thread && next[1] == per_thread));
  fs::remove_all(dir);
}

TEST_CASE("one thread recording into six writers, and threads that exit, lose nothing", "[trace]") {
  auto dir = scratch_dir("many");
  constexpr int kWriters = 6;  // more than a thread caches
  constexpr std::uint64_t kEach = 3000;
  std::vector<std::unique_ptr<a::trace_writer>> writers;
  for (int w = 0; w < kWriters; ++w) {
    auto opened = a::trace_writer::open(dir / (std::to_string(w) + ".trace"), std::to_string(w));
    REQUIRE(opened);
    writers.push_back(std::move(*opened));
  }
  for (std::uint64_t k = 0; k < kEach; ++k) {
    for (auto& w : writers) w->record(event(0, k));
  }
  for (std::uint32_t t = 1; t <= 3; ++t) {  // short-lived threads, gone before the flush
    std::thread([&, t] {
      for (std::uint64_t k = 0; k < 10; ++k) writers[0]->record(event(t, k));
    }).join();
  }
  for (int w = 0; w < kWriters; ++w) {
    REQUIRE(writers[w]->flush());
    const auto want = kEach + (w == 0 ? 30 : 0);
    CHECK(writers[w]->records() == want);
    auto r = a::read_trace(dir / (std::to_string(w) + ".trace"));
    REQUIRE(r);
    CHECK(r->node == std::to_string(w));
    REQUIRE(r->events.size() == want);
    std::uint64_t next = 0;  // thread 0's records in order
    for (const auto& e : r->events) {
      if (e.actor.index == 0) CHECK(e.version == next++);
    }
    CHECK(next == kEach);
  }
  writers.clear();
  fs::remove_all(dir);
}

TEST_CASE("an empty trace holds the header and no records", "[trace]") {
  auto dir = scratch_dir("empty");
  auto path = write_small(dir, 0);
  CHECK(fs::file_size(path) == kHeader);
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(r->node == "master");
  CHECK(r->events.empty());
  fs::remove_all(dir);
}

TEST_CASE("trace reader refuses each kind of corruption with invalid_data", "[trace]") {
  auto dir = scratch_dir("corrupt");
  using bytes = std::vector<char>;
  struct corruption {
    const char* expect;
    void (*edit)(bytes&);
  };
  const corruption cases[] = {
      {"bad magic", [](bytes& b) { b[0] = 'X'; }},
      {"unknown format version 2", [](bytes& b) { b[8] = 2; }},
      {"record size 40", [](bytes& b) { b[16] = 40; }},
      {"malformed header", [](bytes& b) { b[12] = 64; }},
      {"malformed header", [](bytes& b) { b[22] = 1; }},  // a 64 KiB node name
      {"truncated header (10 bytes)", [](bytes& b) { b.resize(10); }},
      {"truncated header (28 of 32 bytes)", [](bytes& b) { b.resize(28); }},
      {"record 2 truncated (47 of 48 bytes)", [](bytes& b) { b.pop_back(); }},
      {"record 1: unknown message type 9", [](bytes& b) { b[kHeader + kRecord + 42] = 9; }},
      {"record 0: unknown message type 0", [](bytes& b) { b[kHeader + 42] = 0; }},
      {"record 2: unknown role 3", [](bytes& b) { b[kHeader + 2 * kRecord + 41] = 3; }},
      {"record 1: unknown direction 2", [](bytes& b) { b[kHeader + kRecord + 43] = 2; }},
      {"record 0: reserved bytes are not zero", [](bytes& b) { b[kHeader + 47] = 1; }},
  };
  for (const auto& c : cases) {
    auto path = write_small(dir);
    const auto err = corrupted(path, c.edit);
    INFO(err.message);
    CHECK(err.code == sgmc::errc::invalid_data);
    CHECK(err.message.find(c.expect) != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("trace files that cannot be opened or written give errc::io", "[trace]") {
  auto missing = a::read_trace("/nonexistent/sgmc/none.trace");
  REQUIRE(!missing);
  CHECK(missing.error().code == sgmc::errc::io);
  CHECK(missing.error().message.find("/nonexistent/sgmc/none.trace") != std::string::npos);
  auto full = a::trace_writer::open("/dev/full", "master");  // every write fails: ENOSPC
  REQUIRE(!full);
  CHECK(full.error().code == sgmc::errc::io);
  CHECK(full.error().message.find("/dev/full") != std::string::npos);
}

TEST_CASE("the numpy snippet of docs/trace-format.md reads what the writer wrote", "[trace]") {
  auto dir = scratch_dir("numpy");
  auto path = dir / "collector.trace";
  std::ostringstream expect;
  {
    auto w = a::trace_writer::open(path, "collector");
    REQUIRE(w);
    for (std::uint64_t k = 0; k < 100; ++k) (*w)->record(event(1, k));
    REQUIRE((*w)->flush());
  }
  // What the snippet prints: the node, the count, then per type and direction the number of
  // records, their bytes and their largest staleness; then the first record.
  expect << "node collector\nrecords 100\n";
  for (int t = 1; t <= 8; ++t) {
    for (int d = 0; d < 2; ++d) {
      std::uint64_t n = 0, bytes = 0;
      std::int64_t stale = -1;
      for (std::uint64_t k = 0; k < 100; ++k) {
        auto e = event(1, k);
        if (static_cast<int>(e.type) != t || static_cast<int>(e.dir) != d) continue;
        ++n;
        bytes += e.bytes;
        stale = std::max(stale, e.staleness);
      }
      if (n == 0) continue;
      expect << a::to_string(static_cast<a::trace_type>(t)) << (d == 0 ? " sent " : " received ")
             << n << " " << bytes << " " << stale << "\n";
    }
  }
  const auto e0 = event(1, 0);
  expect << "first " << e0.t_ns << " worker 1 master 0 push sent " << e0.bytes << " " << e0.version
         << " " << e0.staleness << "\n";
  const auto script = dir / "read_trace.py";
  std::ofstream(script) << doc_snippet();
  const auto out = run("/usr/bin/python3 " + script.string() + " " + path.string() + " 2>&1");
  CHECK(out == expect.str());
  fs::remove_all(dir);
}

TEST_CASE("records reach the file within about a second without a flush", "[trace]") {
  // What is left of the trace of a node killed mid-run: the writer thread sweeps partly filled
  // blocks to the file every second. Polled with a bound, not slept on.
  auto dir = scratch_dir("sweep");
  auto path = dir / "node.trace";
  auto w = a::trace_writer::open(path, "master");
  REQUIRE(w);
  for (std::uint64_t k = 0; k < 10; ++k) (*w)->record(event(0, k));
  const auto expected = kHeader + 10 * kRecord;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fs::file_size(path) < expected && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(fs::file_size(path) == expected);
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(r->events.size() == 10);
  w->reset();
  fs::remove_all(dir);
}
