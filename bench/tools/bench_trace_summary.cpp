// tools/trace_summary/*: a synthetic embedded async run's trace of 2.4 M records (version 2, as
// the writer writes it): per master version, 8 workers in turn, the worker's compute span and
// push, the master's receive, apply span and params reply, the worker's receive; message ids on
// every send and receive, so the summary pairs them (latency per link) as on a real trace.
// SetBytesProcessed counts the file's bytes, so bytes_per_second is the summary's read speed.
//   tools/trace_summary/read_and_count   load_trace_run (read_trace of the file) + summarize
//   tools/trace_summary/read             read_trace alone
//   tools/trace_summary/count            summarize of records already in memory
//   tools/trace_summary/raw_read         reference: read(2) of the file into a buffer, no parsing
//                                        (the page cache's copy speed)
#include "sgmc/engine/trace.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace sgmc::engine;

constexpr std::uint64_t kVersions = 400'000;  // 6 records each
constexpr std::uint32_t kWorkers = 8;

// Writes the trace once per process; its folder (holding trace/embedded.trace).
const fs::path& trace_dir() {
  static const fs::path dir = [] {
    const fs::path d =
        fs::temp_directory_path() / ("sgmc-bench-trace-" + std::to_string(::getpid()));
    auto w = trace_writer::open(d / "trace" / "embedded.trace", "embedded");
    if (!w) return fs::path{};
    const trace_actor master{trace_role::master, 0};
    std::vector<std::uint64_t> worker_seq(kWorkers, 0);
    std::uint64_t master_seq = 0;
    std::uint64_t t = 1'000'000;
    for (std::uint64_t v = 0; v < kVersions; ++v) {
      const trace_actor worker{trace_role::worker, static_cast<std::uint32_t>(v % kWorkers)};
      const std::uint64_t wseq = ++worker_seq[worker.index];
      const std::uint64_t mseq = ++master_seq;
      auto rec = [&](trace_actor actor, trace_actor peer, trace_type type, trace_direction dir,
                     std::uint64_t bytes, std::uint64_t seq, std::uint64_t duration) {
        trace_event e;
        e.t_ns = (t += 500);
        e.actor = actor;
        e.peer = peer;
        e.type = type;
        e.dir = dir;
        e.bytes = bytes;
        e.version = v;
        e.staleness = type == trace_type::push && dir == trace_direction::received
                          ? static_cast<std::int64_t>(v % 17)
                          : -1;
        e.seq = seq;
        e.duration_ns = duration;
        (*w)->record(e);
      };
      rec(worker, master, trace_type::compute, trace_direction::span, 0, 0, 300);
      rec(worker, master, trace_type::push, trace_direction::sent, 4096 + 33, wseq, 0);
      rec(master, worker, trace_type::push, trace_direction::received, 4096 + 33, wseq, 0);
      rec(master, worker, trace_type::apply, trace_direction::span, 0, 0, 200);
      rec(master, worker, trace_type::params, trace_direction::sent, 4096 + 16, mseq, 0);
      rec(worker, master, trace_type::params, trace_direction::received, 4096 + 16, mseq, 0);
    }
    if (!(*w)->flush()) return fs::path{};
    return d;
  }();
  return dir;
}

fs::path trace_file() { return trace_dir() / "trace" / "embedded.trace"; }

std::int64_t file_bytes() { return static_cast<std::int64_t>(fs::file_size(trace_file())); }

void read_and_count(benchmark::State& state) {
  if (trace_dir().empty()) return state.SkipWithError("cannot write the trace");
  for (auto _ : state) {
    auto run = sgmc::tools::load_trace_run(trace_dir());
    if (!run) return state.SkipWithError(run.error().message.c_str());
    auto s = sgmc::tools::summarize(*run);
    benchmark::DoNotOptimize(s.staleness.count);
  }
  state.SetBytesProcessed(state.iterations() * file_bytes());
}

void read(benchmark::State& state) {
  if (trace_dir().empty()) return state.SkipWithError("cannot write the trace");
  for (auto _ : state) {
    auto f = read_trace(trace_file());
    if (!f) return state.SkipWithError(f.error().message.c_str());
    benchmark::DoNotOptimize(f->events.data());
  }
  state.SetBytesProcessed(state.iterations() * file_bytes());
}

void count(benchmark::State& state) {
  if (trace_dir().empty()) return state.SkipWithError("cannot write the trace");
  auto run = sgmc::tools::load_trace_run(trace_dir());
  if (!run) return state.SkipWithError(run.error().message.c_str());
  for (auto _ : state) {
    auto s = sgmc::tools::summarize(*run);
    benchmark::DoNotOptimize(s.staleness.count);
  }
  state.SetBytesProcessed(state.iterations() * file_bytes());
}

void raw_read(benchmark::State& state) {
  if (trace_dir().empty()) return state.SkipWithError("cannot write the trace");
  std::vector<char> buf(static_cast<std::size_t>(file_bytes()));
  for (auto _ : state) {
    const int fd = ::open(trace_file().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return state.SkipWithError("cannot open the trace");
    std::size_t got = 0;
    while (got < buf.size()) {
      const auto n = ::read(fd, buf.data() + got, buf.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(state.iterations() * file_bytes());
}

struct cleanup {
  ~cleanup() {
    std::error_code ec;
    if (!trace_dir().empty()) fs::remove_all(trace_dir(), ec);
  }
} at_exit;

}  // namespace

BENCHMARK(read_and_count)
    ->Name("tools/trace_summary/read_and_count")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(read)->Name("tools/trace_summary/read")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(count)->Name("tools/trace_summary/count")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(raw_read)
    ->Name("tools/trace_summary/raw_read")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
