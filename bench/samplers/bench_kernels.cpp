// Kernel throughput against the memory bandwidth of the same machine, in the same run.
//   samplers/stream_triad/16M   a[i] = b[i] + s·c[i] over 16M floats, TBB on 2 threads, one
//                               contiguous half per thread (its fastest split here): the
//                               bandwidth reference (12 bytes per element counted, as STREAM)
//   samplers/<kind>/16M         one kernel step over 16M floats, 2 threads; bytes = what the
//                               kernel must move (sgld/sgd: θ, g, θ' = 12 B; with v or V: 20 B)
//   samplers/sgld-<fixed8|bfp8>-<naive|vc>-low/16M, samplers/sgld-<fixed8|bfp8>-full/16M
//                               low-precision SGLD (sgld_lowp.hpp), 2 threads; bytes: low reads
//                               ∇Û and int8 θ, writes int8 θ and the float view (10 B); full
//                               reads ∇Û and the fp32 accumulator, writes it and the view (16 B)
//   samplers/sgld/256K/1thread  SGLD on one core with its data in L2: the compute ceiling
//   samplers/{stream_triad,sgld}/16M/1thread   both on one thread, for the 1-thread ratio
//   core/fill_normal/...        the normal generator alone: 64K floats (cache-resident, one
//                               thread: the generation rate) and 16M floats (2 threads, to memory)
// Every array is a samplers::float_buffer (what the chain and the kernels' state use: 2 MB
// aligned, advised for transparent huge pages), the triad's included, so that both sides of the
// comparison get the same pages. Run with --benchmark_repetitions (default 10 here) and read
// the medians.

#include "sgmc/core/parallel.hpp"
#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

constexpr std::size_t k16M = std::size_t{1} << 24;
constexpr int kThreads = 2;
constexpr int kRepetitions = 10;

sgmc::samplers::float_buffer filled(std::size_t n, std::uint64_t seed) {
  sgmc::samplers::float_buffer v(n);
  sgmc::core::for_each_chunk(n, sgmc::core::kChunk, [&](std::size_t lo, std::size_t hi) {
    sgmc::core::fill_normal({seed, 0, 0, sgmc::core::rng_stream::user}, lo,
                            std::span<float>(v.data() + lo, hi - lo));
  });
  return v;
}

void stream_triad(benchmark::State& state, int n_threads = kThreads) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, n_threads);
  const std::size_t n = k16M;
  auto a = filled(n, 1), b = filled(n, 2), c = filled(n, 3);
  const float s = 0.5f;
  float* pa = a.data();
  const float* pb = b.data();
  const float* pc = c.data();
  for (auto _ : state) {
    sgmc::core::for_each_chunk(n, n / static_cast<std::size_t>(n_threads),
                               [=](std::size_t lo, std::size_t hi) {
                                 for (std::size_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
                               });
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 12));
}

void kernel(benchmark::State& state, sgmc::samplers::sampler_kind kind, int bytes_per_element,
            std::size_t n = k16M, int n_threads = kThreads) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, n_threads);
  sgmc::samplers::sampler_params p;
  p.kind = kind;
  p.step_size = 1e-4;
  p.friction = 0.1;
  auto made = sgmc::samplers::make_sampler(p, n);
  if (!made) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  sgmc::samplers::sampler& k = **made;
  auto theta = filled(n, 1), grad = filled(n, 2);
  std::uint64_t step = 0;
  for (auto _ : state) {
    const sgmc::samplers::step_info info{step, 1e-4f, sgmc::core::rng_key{7, 0, step}};
    benchmark::DoNotOptimize(k.step(theta.span(), grad.span(), info));
    ++step;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * bytes_per_element));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void kernel_lowp(benchmark::State& state, sgmc::samplers::precision_params prec,
                 int bytes_per_element) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, kThreads);
  sgmc::samplers::sampler_params p;
  p.step_size = 1e-4;
  p.precision = prec;
  auto made = sgmc::samplers::make_sampler(p, k16M);
  if (!made) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  sgmc::samplers::sampler& k = **made;
  auto theta = filled(k16M, 1), grad = filled(k16M, 2);
  std::uint64_t step = 0;
  for (auto _ : state) {
    const sgmc::samplers::step_info info{step, 1e-4f, sgmc::core::rng_key{7, 0, step}};
    benchmark::DoNotOptimize(k.step(theta.span(), grad.span(), info));
    ++step;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k16M * bytes_per_element));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k16M));
}

void add_lowp_kernels();

void fill_normal_cached(benchmark::State& state) {
  std::vector<float> z(std::size_t{1} << 16);
  std::uint64_t step = 0;
  for (auto _ : state) {
    sgmc::core::fill_normal({7, 0, step++}, 0, z);
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * z.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * z.size() * 4));
}

void fill_normal_memory(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, kThreads);
  auto z = filled(k16M, 1);
  std::uint64_t step = 0;
  for (auto _ : state) {
    const sgmc::core::rng_key key{7, 0, step++};
    sgmc::core::for_each_chunk(z.size(), sgmc::core::kChunk, [&](std::size_t lo, std::size_t hi) {
      sgmc::core::fill_normal(key, lo, z.span().subspan(lo, hi - lo));
    });
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * z.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * z.size() * 4));
}

template <class Fn>
void add(const std::string& name, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(), fn)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Repetitions(kRepetitions)
      ->DisplayAggregatesOnly(true);
}

int register_all() {
  add("samplers/stream_triad/16M", [](benchmark::State& s) { stream_triad(s); });
  // sgld-fp's kernel is SGLD's (its control variate lives in the gradient): listed for
  // completeness.
  using sgmc::samplers::sampler_kind;
  const std::pair<sampler_kind, int> kinds[] = {
      {sampler_kind::sgld, 12},         {sampler_kind::sgld_fp, 12},
      {sampler_kind::sgd, 12},          {sampler_kind::sghmc, 20},
      {sampler_kind::sgd_momentum, 20}, {sampler_kind::sghmc_euler, 20},
      {sampler_kind::sghmc_exact, 20},  {sampler_kind::psgld, 20}};
  for (const auto& [kind, bytes] : kinds) {
    const sampler_kind k = kind;
    const int b = bytes;
    add(std::string("samplers/") + sgmc::samplers::to_string(k) + "/16M",
        [k, b](benchmark::State& s) { kernel(s, k, b); });
  }
  add_lowp_kernels();
  // The compute ceiling: θ and ∇Û (2 MB) stay in one core's L2.
  // One core: SGLD against the triad, both on 1 thread.
  add("samplers/stream_triad/16M/1thread", [](benchmark::State& s) { stream_triad(s, 1); });
  add("samplers/sgld/16M/1thread",
      [](benchmark::State& s) { kernel(s, sgmc::samplers::sampler_kind::sgld, 12, k16M, 1); });
  add("samplers/sgld/256K/1thread", [](benchmark::State& s) {
    kernel(s, sgmc::samplers::sampler_kind::sgld, 12, std::size_t{1} << 18, 1);
  });
  // The same update without noise, in L2: what the update's own arithmetic costs next to the
  // noise (docs/PERFORMANCE.md, "Portable and native builds").
  add("samplers/sgd/256K/1thread", [](benchmark::State& s) {
    kernel(s, sgmc::samplers::sampler_kind::sgd, 12, std::size_t{1} << 18, 1);
  });
  add("core/fill_normal/64K", fill_normal_cached);
  add("core/fill_normal/16M", fill_normal_memory);
  return 0;
}

void add_lowp_kernels() {
  using namespace sgmc::samplers;
  for (auto w : {weights_format::fixed8, weights_format::bfp8}) {
    for (auto a : {accumulator_kind::low, accumulator_kind::full}) {
      for (auto q : {quantizer_kind::naive, quantizer_kind::vc}) {
        if (a == accumulator_kind::full && q == quantizer_kind::naive) continue;  // q unused
        precision_params prec;
        prec.weights = w;
        prec.quantizer = q;
        prec.accumulator = a;
        const std::string name =
            a == accumulator_kind::full
                ? std::string("samplers/sgld-") + to_string(w) + "-full/16M"
                : std::string("samplers/sgld-") + to_string(w) + "-" + to_string(q) + "-low/16M";
        const int bytes = a == accumulator_kind::full ? 16 : 10;
        add(name, [prec, bytes](benchmark::State& s) { kernel_lowp(s, prec, bytes); });
      }
    }
  }
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
