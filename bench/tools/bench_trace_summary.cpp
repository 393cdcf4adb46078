// tools/trace_summary/*: a synthetic async run's trace of 2 M records (96 MB, version 1 as the
// writer writes today): a master receiving pushes and pulls from 8 workers and answering params.
// SetBytesProcessed counts the file's bytes, so bytes_per_second is the summary's read speed.
//   tools/trace_summary/read_and_count   load_trace_run (read_trace of the file) + summarize
//   tools/trace_summary/read             read_trace alone
//   tools/trace_summary/count            summarize of records already in memory
#include "sgmc/engine/trace.hpp"
#include "sgmc/tools/trace_summary.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace sgmc::engine;

constexpr std::uint64_t kRecords = 2'000'000;
constexpr std::uint32_t kWorkers = 8;

// Writes the trace once per process; its folder (holding trace/master.trace).
const fs::path& trace_dir() {
  static const fs::path dir = [] {
    const fs::path d =
        fs::temp_directory_path() / ("sgmc-bench-trace-" + std::to_string(::getpid()));
    auto w = trace_writer::open(d / "trace" / "master.trace", "master");
    if (!w) return fs::path{};
    const trace_actor master{trace_role::master, 0};
    for (std::uint64_t k = 0; k < kRecords; ++k) {
      trace_event e;
      e.t_ns = 1'000'000 + 250 * k;
      e.actor = master;
      e.peer = {trace_role::worker, static_cast<std::uint32_t>(k % kWorkers)};
      const auto kind = k % 3;
      e.type = kind == 0 ? trace_type::push : kind == 1 ? trace_type::pull : trace_type::params;
      e.dir = kind == 2 ? trace_direction::sent : trace_direction::received;
      e.bytes = kind == 1 ? 16 : 4096 + 33;
      e.version = k / 3;
      e.staleness = kind == 0 ? static_cast<std::int64_t>(k % 17) : -1;
      (*w)->record(e);
    }
    if (!(*w)->flush()) return fs::path{};
    return d;
  }();
  return dir;
}

std::int64_t file_bytes() {
  return static_cast<std::int64_t>(fs::file_size(trace_dir() / "trace" / "master.trace"));
}

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
    auto f = read_trace(trace_dir() / "trace" / "master.trace");
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

BENCHMARK_MAIN();
