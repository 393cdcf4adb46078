// Message traces (engine/trace.hpp, docs/trace-format.md): what the writer records (through
// lanes and the shared record()) the reader returns, with the version-2 header and fields;
// version 1 files are still read; every kind of corruption is refused with an error naming the
// file and the byte offset, and a file cut short is read up to its last whole record; the
// Python package (python/sgmc) reads the same values and refuses the same files with the same
// message; the example of docs/trace-format.md runs.
#include "sgmc/engine/trace.hpp"

#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
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

/// Message record k of actor `thread` (master 0 for thread 0, worker `thread` otherwise).
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
  e.seq = k + 1;
  return e;
}

/// A span record.
a::trace_event span(a::trace_type type, std::uint32_t worker, std::uint64_t t,
                    std::uint64_t duration, std::uint64_t version) {
  a::trace_event e;
  e.t_ns = t;
  e.duration_ns = duration;
  e.type = type;
  e.dir = a::trace_direction::span;
  e.actor = {type == a::trace_type::compute ? a::trace_role::worker : a::trace_role::master,
             type == a::trace_type::compute ? worker : 0};
  e.peer = {a::trace_role::worker, worker};
  e.version = version;
  return e;
}

bool same(const a::trace_event& x, const a::trace_event& y) {
  return x.t_ns == y.t_ns && x.actor == y.actor && x.peer == y.peer && x.type == y.type &&
         x.dir == y.dir && x.bytes == y.bytes && x.version == y.version &&
         x.staleness == y.staleness && x.seq == y.seq && x.duration_ns == y.duration_ns &&
         x.realtime_ns == y.realtime_ns;
}

/// The events of a file that are not clock anchors.
std::vector<a::trace_event> messages_and_spans(const a::trace_file& f) {
  std::vector<a::trace_event> out;
  for (const auto& e : f.events)
    if (e.type != a::trace_type::anchor) out.push_back(e);
  return out;
}

std::size_t anchors(const a::trace_file& f) {
  return static_cast<std::size_t>(std::count_if(
      f.events.begin(), f.events.end(), [](auto& e) { return e.type == a::trace_type::anchor; }));
}

const a::trace_run_id kRunId = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
constexpr std::uint64_t kConfigHash = 0xcbf29ce484222325u;

/// Writes `n` message events of thread 0 (after the writer's first anchor) and returns the
/// file, its writer destroyed (so it ends with a second anchor).
fs::path write_small(const fs::path& dir, int n = 3, const std::string& name = "node.trace") {
  auto path = dir / name;
  auto w = a::trace_writer::open(path, "master", kRunId, kConfigHash);
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

constexpr std::size_t kHeader = 64 + 8;  // fixed part + "master" padded to 8
constexpr std::size_t kRecord = 64;
constexpr std::size_t rec(std::size_t k) { return kHeader + k * kRecord; }

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  CHECK(::pclose(pipe) == 0);
  return out;
}

/// Runs a Python script with python/ on its path.
std::string python(const std::string& script_and_args) {
  return run("PYTHONPATH=" + (fs::path(SGMC_SOURCE_DIR) / "python").string() + " " SGMC_PYTHON " " +
             script_and_args + " 2>&1");
}

/// What tests/engine/trace_check.py prints for `path`, from the C++ reader's result.
std::string describe(const fs::path& path) {
  std::ostringstream out;
  out << "== " << path.string() << "\n";
  auto r = a::read_trace(path);
  if (!r) {
    // The Python message is the C++ one without its "trace " prefix.
    const auto& m = r.error().message;
    out << "error: " << (m.rfind("trace ", 0) == 0 ? m.substr(6) : m) << "\n";
    return out.str();
  }
  out << "node " << r->node << "\nversion " << r->format_version << "\nrun_id "
      << a::to_hex(r->run_id) << "\nconfig_hash " << r->config_hash << "\nanchor " << r->anchor_t_ns
      << " " << r->anchor_realtime_ns << "\ntruncated " << r->truncated << "\nrecords "
      << r->events.size() << "\n";
  for (const auto& e : r->events) {
    // One field in memory: an anchor's realtime, or a span's (or a message's zero) duration.
    const bool anchor = e.type == sgmc::engine::trace_type::anchor;
    out << "r " << e.t_ns << " " << e.bytes << " " << e.version << " " << e.staleness << " "
        << e.seq << " " << (anchor ? 0 : e.duration_ns) << " " << (anchor ? e.realtime_ns : 0)
        << " " << static_cast<int>(e.actor.role) << " " << e.actor.index << " "
        << static_cast<int>(e.peer.role) << " " << e.peer.index << " " << static_cast<int>(e.type)
        << " " << static_cast<int>(e.dir) << "\n";
  }
  return out.str();
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

/// A version-1 file as sgmc 0.1 wrote it: node "v1node", the given records.
std::vector<char> version1_file(const std::vector<a::trace_event>& events) {
  std::vector<char> b(24 + 8, 0);
  std::memcpy(b.data(), "SGMCTRC\0", 8);
  auto put32 = [&](std::size_t at, std::uint32_t x) { std::memcpy(b.data() + at, &x, 4); };
  put32(8, 1);
  put32(12, 32);
  put32(16, 48);
  put32(20, 6);
  std::memcpy(b.data() + 24, "v1node", 6);
  for (const auto& e : events) {
    std::array<char, 48> r{};
    const auto stale = static_cast<std::uint64_t>(e.staleness);
    std::memcpy(r.data(), &e.t_ns, 8);
    std::memcpy(r.data() + 8, &e.bytes, 8);
    std::memcpy(r.data() + 16, &e.version, 8);
    std::memcpy(r.data() + 24, &stale, 8);
    std::memcpy(r.data() + 32, &e.actor.index, 4);
    std::memcpy(r.data() + 36, &e.peer.index, 4);
    r[40] = static_cast<char>(e.actor.role);
    r[41] = static_cast<char>(e.peer.role);
    r[42] = static_cast<char>(e.type);
    r[43] = static_cast<char>(e.dir);
    b.insert(b.end(), r.begin(), r.end());
  }
  return b;
}

/// One corruption of a small version-2 file (write_small: an anchor, 3 messages, an anchor)
/// and what the error says after the file's name ("byte N: what").
struct corruption {
  std::string name;
  std::string expect;
  void (*edit)(std::vector<char>&);
};

std::string at(std::size_t byte, const std::string& what) {
  return "byte " + std::to_string(byte) + ": " + what;
}

const std::vector<corruption>& corruptions() {
  using bytes = std::vector<char>;
  static const std::vector<corruption> cases = {
      {"magic", at(0, "not an sgmc trace (bad magic)"), [](bytes& b) { b[0] = 'X'; }},
      {"magic3", at(3, "not an sgmc trace (bad magic)"), [](bytes& b) { b[3] = 'c'; }},
      {"version", at(8, "unknown format version 3 (this build reads versions 1 and 2)"),
       [](bytes& b) { b[8] = 3; }},
      {"version0", at(8, "unknown format version 0"), [](bytes& b) { b[8] = 0; }},
      {"record-size", at(16, "record size 48, version 2 has 64"), [](bytes& b) { b[16] = 48; }},
      {"header-size",
       at(12,
          "malformed header (header of 80 bytes; version 2 with a node name of 6 bytes has "
          "72)"),
       [](bytes& b) { b[12] = 80; }},
      {"node-size", at(20, "malformed header (node name of 65542 bytes, at most 4096)"),
       [](bytes& b) { b[22] = 1; }},
      {"short-10", at(10, "truncated header (10 bytes; a header has at least 24)"),
       [](bytes& b) { b.resize(10); }},
      {"short-20", at(20, "truncated header (20 bytes; a header has at least 24)"),
       [](bytes& b) { b.resize(20); }},
      {"short-70", at(70, "truncated header (70 of 72 bytes)"), [](bytes& b) { b.resize(70); }},
      {"padding", at(71, "header padding is not zero"), [](bytes& b) { b[71] = 1; }},
      {"type-12", at(rec(1) + 58, "record 1: unknown message type 12"),
       [](bytes& b) { b[rec(1) + 58] = 12; }},
      {"type-0", at(rec(0) + 58, "record 0: unknown message type 0"),
       [](bytes& b) { b[rec(0) + 58] = 0; }},
      {"role", at(rec(2) + 57, "record 2: unknown role 3"), [](bytes& b) { b[rec(2) + 57] = 3; }},
      {"actor-role", at(rec(3) + 56, "record 3: unknown role 7"),
       [](bytes& b) { b[rec(3) + 56] = 7; }},
      {"dir", at(rec(1) + 59, "record 1: unknown direction 4"),
       [](bytes& b) { b[rec(1) + 59] = 4; }},
      {"reserved", at(rec(3) + 63, "record 3: reserved bytes are not zero"),
       [](bytes& b) { b[rec(3) + 63] = 1; }},
      {"staleness", at(rec(1) + 24, "record 1: staleness -2 below -1"),
       [](bytes& b) { b[rec(1) + 24] = static_cast<char>(0xfe); }},
      {"push-span", at(rec(1) + 59, "record 1: a push record with direction span"),
       [](bytes& b) { b[rec(1) + 59] = 2; }},
      {"push-duration", at(rec(1) + 40, "record 1: a push record with a duration"),
       [](bytes& b) { b[rec(1) + 44] = 1; }},
      {"anchor-seq", at(rec(0) + 32, "record 0: an anchor record with a message id"),
       [](bytes& b) { b[rec(0) + 32] = 1; }},
      {"anchor-dir", at(rec(0) + 59, "record 0: an anchor record with direction sent"),
       [](bytes& b) { b[rec(0) + 59] = 0; }},
      {"anchor-actor", at(rec(4) + 48, "record 4: an anchor record naming an actor"),
       [](bytes& b) { b[rec(4) + 56] = 1; }},
      {"anchor-bytes", at(rec(0) + 8, "record 0: an anchor record with a message's fields"),
       [](bytes& b) { b[rec(0) + 8] = 1; }},
      {"apply-seq", at(rec(2) + 32, "record 2: an apply record with a message id"),
       [](bytes& b) {
         b[rec(2) + 58] = 10;  // a pull received, now an apply span...
         b[rec(2) + 59] = 2;   // ... with a span's direction, but still its message id
       }},
  };
  return cases;
}

}  // namespace

TEST_CASE(
    "trace events recorded through lanes and record() from several threads, flushed "
    "meanwhile, read back intact",
    "[trace]") {
  auto dir = scratch_dir("roundtrip");
  const std::uint64_t per_thread = 30000;  // more than a lane's ring holds
  {
    auto w = a::trace_writer::open(dir / "sub" / "worker-1.trace", "worker-1", kRunId, 42);
    REQUIRE(w);
    auto& writer = **w;
    CHECK(writer.run_id() == kRunId);
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 3; ++t) {
      // Threads 0 and 1 through a lane each; thread 2 through the shared record().
      a::trace_lane* lane = t < 2 ? writer.lane() : nullptr;
      threads.emplace_back([&writer, lane, t, per_thread] {
        for (std::uint64_t k = 0; k < per_thread; ++k) {
          if (lane != nullptr)
            lane->record(event(t, k));
          else
            writer.record(event(t, k));
        }
      });
    }
    for (int i = 0; i < 20; ++i) REQUIRE(writer.flush());  // flushes while they record
    for (auto& th : threads) th.join();
    CHECK(writer.records() == 3 * per_thread);
  }  // the destructor flushes
  auto r = a::read_trace(dir / "sub" / "worker-1.trace");
  REQUIRE(r);
  CHECK(r->format_version == 2);
  CHECK(r->node == "worker-1");
  CHECK(r->run_id == kRunId);
  CHECK(r->config_hash == 42);
  CHECK_FALSE(r->truncated);
  CHECK(anchors(*r) >= 2);  // one when opened, one when closed
  const auto events = messages_and_spans(*r);
  REQUIRE(events.size() == 3 * per_thread);
  std::array<std::uint64_t, 3> next{0, 0, 0};  // each lane's records stay in its order
  for (const auto& e : events) {
    const auto t = e.actor.index;
    REQUIRE(t < 3);
    REQUIRE(same(e, event(t, next[t]++)));
  }
  CHECK((next[0] == per_thread && next[1] == per_thread && next[2] == per_thread));
  fs::remove_all(dir);
}

TEST_CASE("version-2 fields survive the round trip: message ids, spans, clock anchors", "[trace]") {
  auto dir = scratch_dir("v2fields");
  const auto path = dir / "embedded.trace";
  std::vector<a::trace_event> want;
  a::trace_event big = event(1, 3);
  big.seq = std::uint64_t{1} << 63;
  big.bytes = std::uint64_t{1} << 40;
  big.version = ~std::uint64_t{0};
  big.staleness = std::numeric_limits<std::int64_t>::max();
  big.peer = {a::trace_role::collector, 0xffffffffu};
  want.push_back(big);
  want.push_back(span(a::trace_type::compute, 2, 5'000'000'000u, 123'456, 77));
  want.push_back(span(a::trace_type::apply, 2, 5'000'200'000u, 999, 78));
  a::trace_event anchor;  // recorded by hand: as the writer's own
  anchor.t_ns = 6'000'000'000u;
  anchor.realtime_ns = 1'764'000'000'000'000'000u;
  anchor.type = a::trace_type::anchor;
  anchor.dir = a::trace_direction::none;
  want.push_back(anchor);
  const auto before = a::trace_now_ns();
  {
    auto w = a::trace_writer::open(path, "embedded", kRunId, kConfigHash);
    REQUIRE(w);
    auto* lane = (*w)->lane();
    for (const auto& e : want) lane->record(e);
    CHECK((*w)->records() == want.size());
  }
  const auto after = a::trace_now_ns();
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(a::to_hex(r->run_id) == "0123456789abcdeffedcba9876543210");
  CHECK(r->config_hash == kConfigHash);
  // The header's anchor: taken when the file was opened, and the file's first record.
  CHECK(r->anchor_t_ns >= before);
  CHECK(r->anchor_t_ns <= after);
  CHECK(r->anchor_realtime_ns > 1'600'000'000'000'000'000u);  // after 2020
  REQUIRE(r->events.size() == want.size() + 2);
  const auto& first = r->events.front();
  CHECK(first.type == a::trace_type::anchor);
  CHECK(first.dir == a::trace_direction::none);
  CHECK(first.t_ns == r->anchor_t_ns);
  CHECK(first.realtime_ns == r->anchor_realtime_ns);
  CHECK(first.staleness == -1);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("record " << i + 1);
    CHECK(same(r->events[i + 1], want[i]));
  }
  const auto& last = r->events.back();  // the writer's last anchor, when it closed
  CHECK(last.type == a::trace_type::anchor);
  CHECK(last.t_ns >= first.t_ns);
  CHECK(last.realtime_ns >= first.realtime_ns);
  fs::remove_all(dir);
}

TEST_CASE("two run ids differ and print as 32 hex digits", "[trace]") {
  const auto x = a::new_trace_run_id();
  const auto y = a::new_trace_run_id();
  CHECK(x != y);
  CHECK(x != a::trace_run_id{});
  CHECK(a::to_hex(x).size() == 32);
  CHECK(a::to_hex(a::trace_run_id{}) == std::string(32, '0'));
}

TEST_CASE("one thread recording into six writers, and threads that exit, lose nothing", "[trace]") {
  auto dir = scratch_dir("many");
  constexpr int kWriters = 6;
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
      auto* lane = writers[0]->lane();
      for (std::uint64_t k = 0; k < 10; ++k) lane->record(event(t, k));
    }).join();
  }
  for (int w = 0; w < kWriters; ++w) {
    REQUIRE(writers[w]->flush());
    const auto want = kEach + (w == 0 ? 30 : 0);
    CHECK(writers[w]->records() == want);
    auto r = a::read_trace(dir / (std::to_string(w) + ".trace"));
    REQUIRE(r);
    CHECK(r->node == std::to_string(w));
    CHECK(r->run_id == a::trace_run_id{});  // none given
    const auto events = messages_and_spans(*r);
    REQUIRE(events.size() == want);
    std::uint64_t next = 0;  // thread 0's records in order
    for (const auto& e : events) {
      if (e.actor.index == 0) CHECK(e.version == next++);
    }
    CHECK(next == kEach);
  }
  writers.clear();
  fs::remove_all(dir);
}

TEST_CASE("an empty trace holds the header and the first clock anchor", "[trace]") {
  auto dir = scratch_dir("empty");
  auto path = write_small(dir, 0);
  CHECK(fs::file_size(path) == kHeader + 2 * kRecord);  // opened and closed: two anchors
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(r->node == "master");
  CHECK(r->events.size() == 2);
  CHECK(anchors(*r) == 2);
  fs::remove_all(dir);
}

TEST_CASE("trace reader refuses each kind of corruption, naming the file and the byte", "[trace]") {
  auto dir = scratch_dir("corrupt");
  for (const auto& c : corruptions()) {
    auto path = write_small(dir, 3, c.name + ".trace");
    auto bytes = slurp(path);
    REQUIRE(bytes.size() == rec(5));  // anchor, 3 messages, anchor
    c.edit(bytes);
    spit(path, bytes);
    auto r = a::read_trace(path);
    INFO(c.name << ": " << (r ? std::string("read") : r.error().message));
    REQUIRE(!r);
    CHECK(r.error().code == sgmc::errc::invalid_data);
    CHECK(r.error().message.rfind("trace " + path.string() + ": " + c.expect, 0) == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("a trace cut short inside a record is read up to its last whole record", "[trace]") {
  auto dir = scratch_dir("cut");
  auto path = write_small(dir, 3);
  auto bytes = slurp(path);
  for (std::size_t cut : {std::size_t{1}, std::size_t{30}, kRecord - 1}) {
    auto b = bytes;
    b.resize(b.size() - cut);
    spit(path, b);
    auto r = a::read_trace(path);
    INFO("cut " << cut);
    REQUIRE(r);
    CHECK(r->truncated);
    REQUIRE(r->events.size() == 4);  // the last anchor is gone
    CHECK(same(r->events[3], event(0, 2)));
  }
  bytes.resize(rec(5));  // whole records only: not truncated
  spit(path, bytes);
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK_FALSE(r->truncated);
  fs::remove_all(dir);
}

TEST_CASE("version-1 traces are still read", "[trace]") {
  auto dir = scratch_dir("v1");
  std::vector<a::trace_event> events;
  for (std::uint64_t k = 0; k < 20; ++k) {
    auto e = event(1, k);
    e.seq = 0;  // version 1 has no message ids
    events.push_back(e);
  }
  const auto path = dir / "v1.trace";
  spit(path, version1_file(events));
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(r->format_version == 1);
  CHECK(r->node == "v1node");
  CHECK(r->run_id == a::trace_run_id{});
  CHECK(r->config_hash == 0);
  CHECK_FALSE(r->truncated);
  REQUIRE(r->events.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(same(r->events[i], events[i]));

  // Version 1 knows types 1-8, directions 0-1 and 48-byte records only.
  auto bytes = version1_file(events);
  auto edit = [&](std::size_t at, char value) {
    auto b = bytes;
    b[at] = value;
    spit(path, b);
    auto e = a::read_trace(path);
    REQUIRE(!e);
    return e.error().message;
  };
  CHECK(edit(32 + 48 + 42, 9).find("byte 122: record 1: unknown message type 9") !=
        std::string::npos);
  CHECK(edit(32 + 43, 2).find("byte 75: record 0: unknown direction 2") != std::string::npos);
  CHECK(edit(16, 64).find("byte 16: record size 64, version 1 has 48") != std::string::npos);
  CHECK(edit(12, 72).find("byte 12: malformed header (header of 72 bytes; version 1") !=
        std::string::npos);
  bytes.resize(bytes.size() - 5);
  spit(path, bytes);
  auto cut = a::read_trace(path);
  REQUIRE(cut);
  CHECK(cut->truncated);
  CHECK(cut->events.size() == events.size() - 1);
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

TEST_CASE("python/sgmc reads what the C++ reader reads and refuses what it refuses", "[trace]") {
  auto dir = scratch_dir("python");
  std::vector<fs::path> files;
  {  // every kind of record, from two lanes and the shared record()
    const auto path = dir / "embedded.trace";
    auto w = a::trace_writer::open(path, "embedded", kRunId, kConfigHash);
    REQUIRE(w);
    auto* master = (*w)->lane();
    auto* worker = (*w)->lane();
    for (std::uint64_t k = 0; k < 50; ++k) {
      worker->record(event(1, k));
      worker->record(span(a::trace_type::compute, 1, 2'000'000'000u + k, k * 10, k));
      master->record(event(0, k));
      master->record(span(a::trace_type::apply, 1, 3'000'000'000u + k, k, k + 1));
    }
    (*w)->record(event(2, 7));
    files.push_back(path);
  }
  {  // cut short
    const auto path = write_small(dir, 5, "cut.trace");
    auto b = slurp(path);
    b.resize(b.size() - 20);
    spit(path, b);
    files.push_back(path);
  }
  {  // version 1
    const auto path = dir / "v1.trace";
    std::vector<a::trace_event> v1;
    for (std::uint64_t k = 0; k < 10; ++k) {
      auto e = event(1, k);
      e.seq = 0;
      v1.push_back(e);
    }
    spit(path, version1_file(v1));
    files.push_back(path);
  }
  for (const auto& c : corruptions()) {
    auto path = write_small(dir, 3, "bad-" + c.name + ".trace");
    auto b = slurp(path);
    c.edit(b);
    spit(path, b);
    files.push_back(path);
  }
  std::string expect, args;
  for (const auto& f : files) {
    expect += describe(f);
    args += ' ';
    args += f.string();
  }
  const auto out =
      python((fs::path(SGMC_SOURCE_DIR) / "tests" / "engine" / "trace_check.py").string() + args);
  // Compared line by line for a readable failure.
  std::istringstream got(out), want(expect);
  std::string g, x;
  int line = 0;
  while (std::getline(want, x)) {
    ++line;
    std::getline(got, g);
    INFO("line " << line);
    REQUIRE(g == x);
  }
  CHECK(out == expect);
  fs::remove_all(dir);
}

TEST_CASE("the example of docs/trace-format.md runs on what the writer wrote", "[trace]") {
  auto dir = scratch_dir("doc");
  const auto path = dir / "embedded.trace";
  // Worker 0 pushes, master 0 receives 1 µs later and applies for 500 ns, answers with params
  // that arrive 1 µs later; the worker computes 4 µs.
  const std::uint64_t t0 = 1'000'000'000'000u;
  const std::uint64_t n = 40;
  {
    auto w = a::trace_writer::open(path, "embedded", kRunId, kConfigHash);
    REQUIRE(w);
    auto* master = (*w)->lane();
    auto* worker = (*w)->lane();
    auto msg = [](a::trace_type type, a::trace_direction dir, a::trace_actor me,
                  a::trace_actor peer, std::uint64_t t, std::uint64_t seq, std::int64_t stale) {
      a::trace_event e;
      e.t_ns = t;
      e.type = type;
      e.dir = dir;
      e.actor = me;
      e.peer = peer;
      e.seq = seq;
      e.bytes = 49;
      e.staleness = stale;
      return e;
    };
    const a::trace_actor m{a::trace_role::master, 0}, wk{a::trace_role::worker, 0};
    for (std::uint64_t k = 0; k < n; ++k) {
      const auto t = t0 + k * 10'000;
      worker->record(span(a::trace_type::compute, 0, t, 4'000, k));
      worker->record(
          msg(a::trace_type::push, a::trace_direction::sent, wk, m, t + 4'000, k + 1, -1));
      master->record(msg(a::trace_type::push, a::trace_direction::received, m, wk, t + 5'000, k + 1,
                         static_cast<std::int64_t>(k % 3)));
      master->record(span(a::trace_type::apply, 0, t + 5'000, 500, k + 1));
      master->record(
          msg(a::trace_type::params, a::trace_direction::sent, m, wk, t + 5'500, k + 1, -1));
      worker->record(
          msg(a::trace_type::params, a::trace_direction::received, wk, m, t + 6'500, k + 1, -1));
    }
  }
  auto r = a::read_trace(path);
  REQUIRE(r);
  const auto anchors_n = anchors(*r);
  std::ostringstream expect;
  expect << "node embedded, format 2, run 0123456789abcdeffedcba9876543210, " << r->events.size()
         << " records\n";
  expect << "push sent " << n << " " << 49 * n << " -1\n";
  expect << "push received " << n << " " << 49 * n << " 2\n";
  expect << "params sent " << n << " " << 49 * n << " -1\n";
  expect << "params received " << n << " " << 49 * n << " -1\n";
  expect << "compute span " << n << " 0 -1\n";
  expect << "apply span " << n << " 0 -1\n";
  expect << "anchor none " << anchors_n << " 0 -1\n";
  expect << "busy master 0: " << 500 * n << " ns\n";
  expect << "busy worker 0: " << 4000 * n << " ns\n";
  expect << "paired " << 2 * n << " of " << 2 * n << " receives, mean latency 1000 ns\n";
  const auto script = dir / "example.py";
  std::ofstream(script) << doc_snippet();
  CHECK(python(script.string() + " " + path.string()) == expect.str());
  fs::remove_all(dir);
}

TEST_CASE("records reach the file within about a second without a flush", "[trace]") {
  // What is left of the trace of a node killed mid-run: the writer thread drains the lanes to
  // the file every second. Polled with a bound, not slept on.
  auto dir = scratch_dir("sweep");
  auto path = dir / "node.trace";
  auto w = a::trace_writer::open(path, "master");
  REQUIRE(w);
  auto* lane = (*w)->lane();
  for (std::uint64_t k = 0; k < 10; ++k) lane->record(event(0, k));
  const auto expected = kHeader + 11 * kRecord;  // the first anchor and the 10 records
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fs::file_size(path) < expected && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(fs::file_size(path) >= expected);
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(messages_and_spans(*r).size() == 10);
  w->reset();
  fs::remove_all(dir);
}

TEST_CASE("a clock anchor every two seconds, from the writer's thread", "[trace]") {
  auto dir = scratch_dir("anchors");
  auto path = dir / "node.trace";
  auto w = a::trace_writer::open(path, "master");
  REQUIRE(w);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fs::file_size(path) < kHeader + 2 * kRecord && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto r = a::read_trace(path);
  REQUIRE(r);
  REQUIRE(anchors(*r) == 2);
  const auto& x = r->events[0];
  const auto& y = r->events[1];
  CHECK(y.t_ns - x.t_ns >= 2'000'000'000u);
  CHECK(y.t_ns - x.t_ns < 4'000'000'000u);
  // Realtime moved on as much as the monotonic clock (within 50 ms: no step expected here).
  const auto dm = static_cast<double>(y.t_ns - x.t_ns);
  const auto dr = static_cast<double>(y.realtime_ns - x.realtime_ns);
  CHECK(std::abs(dm - dr) < 50e6);
  w->reset();
  fs::remove_all(dir);
}

TEST_CASE("a trace of virtual time has no clock anchors", "[trace]") {
  auto dir = scratch_dir("virtual");
  const auto path = dir / "simulated.trace";
  {
    auto w = a::trace_writer::open(path, "simulated", kRunId, kConfigHash, false);
    REQUIRE(w);
    for (std::uint64_t k = 0; k < 5; ++k) (*w)->record(event(1, k));
  }
  auto r = a::read_trace(path);
  REQUIRE(r);
  CHECK(r->anchor_t_ns == 0);
  CHECK(r->anchor_realtime_ns == 0);
  CHECK(anchors(*r) == 0);
  REQUIRE(r->events.size() == 5);
  for (std::uint64_t k = 0; k < 5; ++k) CHECK(same(r->events[k], event(1, k)));
  fs::remove_all(dir);
}

TEST_CASE("the trace clock keeps to CLOCK_MONOTONIC", "[trace]") {
  // Where it reads the TSC, through a fitted line: within a few microseconds of the kernel's
  // clock (the bound here is loose: a loaded machine may preempt between the readings).
  auto kernel = [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  };
  int close = 0;
  for (int i = 0; i < 200; ++i) {
    const auto k0 = kernel();
    const auto t = static_cast<std::int64_t>(a::trace_now_ns());
    const auto k1 = kernel();
    if (t >= k0 - 20'000 && t <= k1 + 20'000) ++close;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  CHECK(close >= 190);
}
