// Codec throughput, one thread (codecs are serial):
//   protocols/encode/<codec>/1M   encode 1M floats (N(0, 1) draws); bytes = the 4 MB input
//   protocols/decode/<codec>/1M   decode that message back into 1M floats; bytes = 4 MB output
//   protocols/{encode,decode}/atomo-svd/<rows>x<cols>   one matrix, budget s = 4 triplets
// Counters: wire_bytes (the encoded size) and ratio (wire bytes / 4 B per float). Sparse codecs
// keep 1% (fraction 0.01, atomo-entry s = 10 000). Run with --benchmark_repetitions and read
// the medians.

#include "sgmc/core/rng.hpp"
#include "sgmc/protocols/codec.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace {

namespace pr = sgmc::protocols;

constexpr std::size_t k1M = std::size_t{1} << 20;
constexpr int kRepetitions = 5;

std::vector<float> normals(std::size_t n) {
  std::vector<float> v(n);
  sgmc::core::fill_normal({1, 0, 0, sgmc::core::rng_stream::user}, 0, v);
  return v;
}

pr::codec_params params_of(pr::codec_kind kind) {
  pr::codec_params p;
  p.kind = kind;
  p.fraction = 0.01;
  p.atoms = kind == pr::codec_kind::atomo_svd ? 4 : 0.01 * k1M;
  return p;
}

void report(benchmark::State& state, std::size_t n, std::size_t wire) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * sizeof(float)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["wire_bytes"] = static_cast<double>(wire);
  state.counters["ratio"] = static_cast<double>(wire) / static_cast<double>(n * sizeof(float));
}

void encode(benchmark::State& state, pr::codec_params p, std::size_t n) {
  const auto x = normals(n);
  auto enc = pr::encoder::make(p, n);
  if (!enc) return state.SkipWithError(enc.error().message.c_str());
  std::vector<std::byte> out;
  std::uint64_t version = 0;
  for (auto _ : state) {
    enc->encode(x, pr::codec_key(1, 0, version++), out);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, n, out.size());
}

void decode(benchmark::State& state, pr::codec_params p, std::size_t n) {
  const auto x = normals(n);
  auto enc = pr::encoder::make(p, n);
  if (!enc) return state.SkipWithError(enc.error().message.c_str());
  const auto bytes = enc->encode(x, pr::codec_key(1, 0, 0));
  std::vector<float> y(n);
  for (auto _ : state) {
    if (!pr::decode(p, bytes, std::span<float>(y))) return state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(y.data());
  }
  report(state, n, bytes.size());
}

void register_all() {
  for (auto kind :
       {pr::codec_kind::identity, pr::codec_kind::random_sparse, pr::codec_kind::atomo_entry,
        pr::codec_kind::topk, pr::codec_kind::qsgd, pr::codec_kind::fixed8, pr::codec_kind::bfp8}) {
    const std::string name = pr::to_string(kind);
    benchmark::RegisterBenchmark(("protocols/encode/" + name + "/1M").c_str(), encode,
                                 params_of(kind), k1M)
        ->Unit(benchmark::kMillisecond)
        ->Repetitions(kRepetitions);
    benchmark::RegisterBenchmark(("protocols/decode/" + name + "/1M").c_str(), decode,
                                 params_of(kind), k1M)
        ->Unit(benchmark::kMillisecond)
        ->Repetitions(kRepetitions);
  }
  for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{784, 100}, {400, 400}}) {
    auto p = params_of(pr::codec_kind::atomo_svd);
    p.shapes = {{rows, cols}};
    const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
    benchmark::RegisterBenchmark(("protocols/encode/atomo-svd/" + shape).c_str(), encode, p,
                                 rows * cols)
        ->Unit(benchmark::kMillisecond)
        ->Repetitions(kRepetitions);
    benchmark::RegisterBenchmark(("protocols/decode/atomo-svd/" + shape).c_str(), decode, p,
                                 rows * cols)
        ->Unit(benchmark::kMillisecond)
        ->Repetitions(kRepetitions);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
