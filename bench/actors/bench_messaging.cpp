// sgmc_bench_messaging: push/pull round trips of 1K, 100K and 1M floats through CAF (in one
// process, across two processes, and with payloads on a ZeroMQ data channel) next to raw
// ZeroMQ REQ/REP, all measured in the same run. See roundtrips.hpp for what each case counts.
// Read the medians (--benchmark_repetitions, default 5); items_per_second is round
// trips/s, bytes_per_second counts the payload in both directions.
//
// The binary is also its own server: `sgmc_bench_messaging --serve=caf|hybrid|zmq
// [--settings=default|1thread|sharing|sharing_1thread] [--traced] [--curve]` prints its port (or
// endpoint) and serves until stdin closes; the benchmarks start it as a child process and end it
// when they finish.
//
// Both processes (this one and its child servers) start as every `sgmc` process does, with
// sgmc::models::configure_eigen(): glibc's malloc then keeps freed blocks up to 32 MiB on its
// heap. Without it the 4 MB buffers ZeroMQ allocates for each received (and, with CURVE, each
// encrypted) message are fresh mmaps whose page faults cost more than CURVE's cipher: the
// channel's CURVE round trips were 4x slower than in `sgmc node`. The REQ/REP reference runs in
// the same processes, so it gets the same heap.
#include "roundtrips.hpp"
#include "sgmc/models/factory.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace {

using sgmc::bench::caf_settings;

constexpr int kRepetitions = 5;
int repetitions = kRepetitions;  // 0: as --benchmark_repetitions says

template <class Fn>
benchmark::internal::Benchmark* add(const std::string& name, Fn fn) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), fn)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime()
                ->DisplayAggregatesOnly(true);
  if (repetitions > 0) b->Repetitions(repetitions);
  return b;
}

void register_all() {
  namespace b = sgmc::bench;
  const std::pair<const char*, std::size_t> sizes[] = {
      {"1K", 1024}, {"100K", 100 * 1024}, {"1M", 1024 * 1024}};
  for (const auto& [label, n] : sizes) {
    const std::string size = label;
    const std::size_t len = n;
    for (auto s : b::kAllSettings) {
      const std::string tail = "/" + size + "/" + b::to_string(s);
      add("actors/roundtrip_inproc" + tail,
          [len, s](benchmark::State& st) { b::caf_inproc(st, len, s, false); });
      add("actors/roundtrip_remote" + tail,
          [len, s](benchmark::State& st) { b::caf_remote(st, len, s, false); });
      add("actors/roundtrip_hybrid" + tail,
          [len, s](benchmark::State& st) { b::caf_hybrid(st, len, s, false); });
    }
    add("zmq/roundtrip_reqrep/" + size + "/tcp",
        [len](benchmark::State& st) { b::zmq_reqrep(st, len, false); });
    // With CURVE on the data channel (cluster.tls), and its reference.
    if (len >= 100 * 1024) {
      for (auto s : {b::caf_settings::defaults, b::caf_settings::sharing_one_thread})
        add("actors/roundtrip_hybrid/" + size + "/" + b::to_string(s) + "_curve",
            [len, s](benchmark::State& st) { b::caf_hybrid(st, len, s, true); });
      add("zmq/roundtrip_reqrep/" + size + "/tcp_curve",
          [len](benchmark::State& st) { b::zmq_reqrep(st, len, true); });
    }
  }
  add("actors/trace_record/1thread", b::trace_record)->Unit(benchmark::kNanosecond);
  add("actors/trace_record/2threads", b::trace_record)->Unit(benchmark::kNanosecond)->Threads(2);
  // What tracing costs where it weighs most: small messages.
  for (auto s : b::kAllSettings) {
    const std::string tail = std::string("/1K/") + b::to_string(s) + "_traced";
    add("actors/roundtrip_inproc" + tail,
        [s](benchmark::State& st) { b::caf_inproc(st, 1024, s, true); });
    add("actors/roundtrip_remote" + tail,
        [s](benchmark::State& st) { b::caf_remote(st, 1024, s, true); });
  }
}

std::optional<caf_settings> parse_settings(std::string_view v) {
  for (auto s : sgmc::bench::kAllSettings) {
    if (v == sgmc::bench::to_string(s)) return s;
  }
  return std::nullopt;
}

// Runs the server if the arguments ask for one; returns its exit code.
std::optional<int> serve(int argc, char** argv) {
  std::string_view mode;
  caf_settings settings = caf_settings::defaults;
  bool traced = false;
  bool curve = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--traced") {
      traced = true;
    } else if (arg == "--curve") {
      curve = true;
    } else if (arg.starts_with("--serve=")) {
      mode = arg.substr(8);
    } else if (arg.starts_with("--settings=")) {
      auto s = parse_settings(arg.substr(11));
      if (!s) {
        std::fprintf(stderr, "sgmc_bench_messaging: unknown --settings value\n");
        return 2;
      }
      settings = *s;
    }
  }
  if (mode.empty()) return std::nullopt;
  if (mode == "caf") return sgmc::bench::serve_caf(settings, traced);
  if (mode == "hybrid") return sgmc::bench::serve_hybrid(settings, curve);
  if (mode == "zmq") return sgmc::bench::serve_zmq(curve);
  std::fprintf(stderr, "sgmc_bench_messaging: --serve must be caf, hybrid or zmq\n");
  return 2;
}

}  // namespace

namespace sgmc::bench {
namespace {
std::atomic<bool> failed{false};
}  // namespace

void fail(benchmark::State& state, const std::string& why) {
  failed = true;
  std::fprintf(stderr, "sgmc_bench_messaging: %s\n", why.c_str());
  state.SkipWithError(why.c_str());
}

bool any_failed() { return failed; }

}  // namespace sgmc::bench

int main(int argc, char** argv) {
  sgmc::models::configure_eigen();  // as `sgmc node` starts (see the top of this file)
  if (auto code = serve(argc, argv)) return *code;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with("--benchmark_repetitions")) repetitions = 0;
  }
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  sgmc::bench::release_caf_fixtures();
  sgmc::bench::release_zmq_fixtures();
  benchmark::Shutdown();
  return sgmc::bench::any_failed() ? 1 : 0;
}
