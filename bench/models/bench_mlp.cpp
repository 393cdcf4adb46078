// The MLP gradient against the matrix-product bound, in one binary:
//   models/gemm/<m>x<k>x<n>/threads:T    Eigen float GEMM C[m,n] = A[m,k]·B[k,n]; with 2
//                                        threads C is split in two halves run by TBB
//   models/mlp_grad/<layers>/threads:T   one potential_and_grad of the mlp at batch 100
//   samplers/sgld_step/<layers>/threads:T one whole SGLD step of a chain as `sgmc run` takes
//                                        it: shuffled minibatch, row gather, gradient, the
//                                        scan of ∇Û that replaces a θ copy (chain.hpp), the
//                                        fused update with its finiteness check
//   samplers/sgd_step/<layers>/threads:T  the same step with the sgd kernel: no noise drawn
//                                        (the difference to sgld_step is the noise's cost)
// Counters: FLOP/s (GEMM), steps/s and flops_per_step (mlp); the fraction of the bound is
// (flops_per_step · steps/s) / (GEMM FLOP/s at the same thread count).
// Data: Fashion-MNIST when installed (else random data of its shape), random batches.
// Flags: --no_configure_eigen keeps Eigen's own cache-size detection (to measure its effect);
// --eigen_caches=L1,L2,L3 (bytes) overrides the sizes afterwards (to measure alternatives).
// Without --benchmark_repetitions, runs 5 repetitions and reports aggregates (median, ...).
#include "sgmc/core/rng.hpp"
#include "sgmc/engine/model_gradient.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/models/mlp.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using sgmc::models::row_matrix;

constexpr std::size_t kBatch = 100;
constexpr std::size_t kBatches = 64;  // distinct random batches, cycled

std::shared_ptr<const sgmc::models::dataset> training_data() {
  static std::shared_ptr<const sgmc::models::dataset> data = [] {
    sgmc::models::data_params p;
    p.test_images.clear();
    p.test_labels.clear();
    if (std::filesystem::exists(p.train_images))
      if (auto d = sgmc::models::load_data(p, 1))
        return std::make_shared<const sgmc::models::dataset>(std::move(d->train));
    auto d = std::make_shared<sgmc::models::dataset>();
    d->x.resize(60000, 784);
    sgmc::core::fill_uniform({1, 0, 0}, 0, std::span<float>(d->x.data(), 60000 * 784));
    d->y = Eigen::VectorXf::LinSpaced(60000, 0, 9.99f).array().floor();
    d->classes = 10;
    return std::shared_ptr<const sgmc::models::dataset>(std::move(d));
  }();
  return data;
}

void bm_mlp_grad(benchmark::State& state, std::vector<std::size_t> layers) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  auto data = training_data();
  auto m = sgmc::models::mlp::create(data, layers, sgmc::models::activation::relu, 1.0).value();
  auto ws = m->make_workspace(kBatch);
  Eigen::VectorXf theta(m->dim()), grad(m->dim());
  m->initial_params({1, 0, 0}, std::span<float>(theta.data(), m->dim()));
  std::vector<std::uint32_t> indices(kBatch * kBatches);
  sgmc::core::philox_engine eng({2, 0, 0, sgmc::core::rng_stream::batch});
  for (auto& i : indices) i = static_cast<std::uint32_t>(eng.below(data->size()));
  std::size_t k = 0;
  for (auto _ : state) {
    const sgmc::models::batch b{std::span<const std::uint32_t>(indices.data() + k * kBatch, kBatch),
                                {}};
    benchmark::DoNotOptimize(m->potential_and_grad(std::span<const float>(theta.data(), m->dim()),
                                                   b, std::span<float>(grad.data(), m->dim()),
                                                   *ws));
    k = (k + 1) % kBatches;
  }
  const double flops = m->flops_per_grad(kBatch);
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["flops_per_step"] = flops;
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// The whole step of a chain with sampler `kind` (sgld; sgd: the same step without the noise).
void bm_chain_step(benchmark::State& state, std::vector<std::size_t> layers,
                   sgmc::samplers::sampler_kind kind) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  auto data = training_data();
  auto m = sgmc::models::mlp::create(data, layers, sgmc::models::activation::relu, 1.0).value();
  sgmc::engine::model_gradient source(*m, kBatch);
  sgmc::samplers::sampler_params sp;
  sp.kind = kind;
  sp.step_size = 1e-5;
  auto kernel = sgmc::samplers::make_sampler(sp, m->dim()).value();
  std::vector<float> theta0(m->dim());
  m->initial_params({1, 0, 0}, theta0);
  sgmc::samplers::chain_params cp;
  cp.batch_size = kBatch;
  auto c = sgmc::samplers::chain::make(source, *kernel, sgmc::samplers::schedule::constant(1e-5),
                                       cp, theta0)
               .value();
  for (auto _ : state) {
    if (!c.step()) {
      state.SkipWithError("the chain diverged");
      break;
    }
  }
  const double flops = m->flops_per_grad(kBatch);
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["flops_per_step"] = flops;
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// C = A·B with Eigen's product; with T > 1 threads, C is split in T row blocks (TBB).
void bm_gemm(benchmark::State& state, long m, long k, long n) {
  const auto t = static_cast<long>(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(t));
  const row_matrix a = row_matrix::Random(m, k), b = row_matrix::Random(k, n);
  row_matrix c(m, n);
  for (auto _ : state) {
    tbb::parallel_for(0L, t, [&](long p) {
      const long r0 = m * p / t, r1 = m * (p + 1) / t;
      c.middleRows(r0, r1 - r0).noalias() = a.middleRows(r0, r1 - r0) * b;
    });
    benchmark::ClobberMemory();
  }
  const double flops =
      2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  state.counters["FLOP/s"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const auto threads = [](benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
  };
  threads(benchmark::RegisterBenchmark("models/gemm/1024x1024x1024", bm_gemm, 1024, 1024, 1024));
  // The first layer of the small MLP: X[100, 784]·W[784, 100].
  threads(benchmark::RegisterBenchmark("models/gemm/100x784x100", bm_gemm, 100, 784, 100));
  threads(benchmark::RegisterBenchmark("models/mlp_grad/784-100-10", bm_mlp_grad,
                                       std::vector<std::size_t>{784, 100, 10}));
  threads(benchmark::RegisterBenchmark("models/mlp_grad/784-400-400-10", bm_mlp_grad,
                                       std::vector<std::size_t>{784, 400, 400, 10}));
  for (const auto kind : {sgmc::samplers::sampler_kind::sgld, sgmc::samplers::sampler_kind::sgd}) {
    const std::string name = std::string("samplers/") + sgmc::samplers::to_string(kind) + "_step/";
    threads(benchmark::RegisterBenchmark((name + "784-100-10").c_str(), bm_chain_step,
                                         std::vector<std::size_t>{784, 100, 10}, kind));
    threads(benchmark::RegisterBenchmark((name + "784-400-400-10").c_str(), bm_chain_step,
                                         std::vector<std::size_t>{784, 400, 400, 10}, kind));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool configure = true, reps = false;
  long l1 = 0, l2 = 0, l3 = 0;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no_configure_eigen") == 0) {
      configure = false;
      continue;
    }
    if (std::sscanf(argv[i], "--eigen_caches=%ld,%ld,%ld", &l1, &l2, &l3) == 3) continue;
    if (std::strncmp(argv[i], "--benchmark_repetitions", 23) == 0) reps = true;
    args.push_back(argv[i]);
  }
  std::string rep_flag = "--benchmark_repetitions=5",
              agg_flag = "--benchmark_report_aggregates_only=true";
  if (!reps) {
    args.push_back(rep_flag.data());
    args.push_back(agg_flag.data());
  }
  if (configure) sgmc::models::configure_eigen();
  if (l1 > 0) Eigen::setCpuCacheSizes(l1, l2, l3);
  std::printf("Eigen cache sizes: L1 %td, L2 %td, L3 %td\n", Eigen::l1CacheSize(),
              Eigen::l2CacheSize(), Eigen::l3CacheSize());
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
