// The machinery under the mlp: the GEMM wrapper against a naive product, bit-identical results
// for any thread count, and no allocation in a step.
#include "helpers.hpp"

#include "gemm.hpp"
#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/logreg.hpp"
#include "sgmc/models/mlp.hpp"
#include "sgmc/models/softmax.hpp"

#include <oneapi/tbb/global_control.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>

using namespace sgmc::models;
using namespace sgmc::models::test;

// ---- Counting malloc: glibc lets a program replace malloc (forwarding to __libc_*). --------
// Not under AddressSanitizer, which replaces malloc itself.
#if !defined(__SANITIZE_ADDRESS__)
#define SGMC_COUNT_MALLOC 1
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) ++g_allocations;
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) { return memalign(a, n); }
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  *out = memalign(a, n);
  return *out != nullptr ? 0 : 12;
}
void free(void* p) { __libc_free(p); }
}
#endif

namespace {

// Naive double product of two views, for reference.
Eigen::MatrixXd naive(const detail::mat_view& a, const detail::mat_view& b) {
  const auto at = [](const detail::mat_view& v, Eigen::Index i, Eigen::Index j) {
    return static_cast<double>(v.row_major ? v.data[i * v.stride + j] : v.data[i + j * v.stride]);
  };
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(a.rows, b.cols);
  for (Eigen::Index i = 0; i < a.rows; ++i)
    for (Eigen::Index j = 0; j < b.cols; ++j)
      for (Eigen::Index k = 0; k < a.cols; ++k) c(i, j) += at(a, i, k) * at(b, k, j);
  return c;
}

}  // namespace

TEST_CASE("gemm_buffers::add_product equals a naive product for every storage order",
          "[models][gemm]") {
  const Eigen::Index m = 37, n = 53, k = 301;
  const Eigen::VectorXf a_store = random_theta(static_cast<std::size_t>((m + 8) * (k + 8)), 1, 1);
  const Eigen::VectorXf b_store = random_theta(static_cast<std::size_t>((k + 8) * (n + 8)), 1, 2);
  detail::gemm_buffers buf;
  buf.reserve(m, n, k);
  for (const bool a_row : {true, false})
    for (const bool b_row : {true, false}) {
      // Strided views (stride larger than the width) into the stores.
      const detail::mat_view a{a_store.data(), m, k, a_row ? k + 3 : m + 1, a_row};
      const detail::mat_view b{b_store.data(), k, n, b_row ? n + 2 : k + 5, b_row};
      row_matrix c = row_matrix::Constant(m, n, 1.0f);
      buf.add_product({c.data(), m, n, n}, a, b, 0.5f);
      const Eigen::MatrixXd want = 1.0 + 0.5 * naive(a, b).array();
      INFO("a_row " << a_row << " b_row " << b_row);
      CHECK((c.cast<double>() - want).cwiseAbs().maxCoeff() < 1e-3);
    }
}

TEST_CASE("mlp gradient is bit-identical for 1 and 2 threads", "[models][threads]") {
  auto data = random_dataset(500, 64, 10, 3);
  const auto m = mlp::create(data, {64, 100, 50, 10}, activation::relu, 1.0).value();
  const Eigen::VectorXf theta = random_theta(m->dim(), 0.1f, 4);
  const auto rows = iota_indices(100, 200);
  evaluation one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = evaluate(*m, theta, rows);
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two = evaluate(*m, theta, rows);
  }
  CHECK(one.u == two.u);
  CHECK(one.grad == two.grad);
}

namespace {

// Calls potential_and_grad 20 times (after 2 warm-up calls) and returns the allocations made.
long allocations_in_steps(const model& m, std::size_t max_batch,
                          const std::vector<std::vector<std::uint32_t>>& batches) {
  auto ws = m.make_workspace(max_batch, 200);
  const Eigen::VectorXf theta = random_theta(m.dim(), 0.1f, 6);
  Eigen::VectorXf grad(m.dim());
  const sgmc::core::rng_key key{1, 2, 3};
  for (const auto& rows : batches) m.potential_and_grad(sp(theta), {rows, key}, sp(grad), *ws);
  long count = 0;
#ifdef SGMC_COUNT_MALLOC
  g_allocations = 0;
  g_counting = true;
#endif
  double u = 0;
  for (int i = 0; i < 20; ++i) {
    const auto& rows = batches[static_cast<std::size_t>(i) % batches.size()];
    u += m.potential_and_grad(sp(theta), {rows, key}, sp(grad), *ws);
  }
#ifdef SGMC_COUNT_MALLOC
  g_counting = false;
  count = g_allocations.load();
#endif
  CHECK(std::isfinite(u));
  return count;
}

}  // namespace

TEST_CASE("malloc counting works", "[models][alloc]") {
#ifdef SGMC_COUNT_MALLOC
  g_allocations = 0;
  g_counting = true;
  auto* probe = static_cast<volatile char*>(std::malloc(1000));
  probe[0] = 1;
  std::free(const_cast<char*>(probe));
  g_counting = false;
  CHECK(g_allocations.load() == 1);
#else
  WARN("malloc counting is off under AddressSanitizer");
#endif
}

TEST_CASE("potential_and_grad does not allocate, for every model", "[models][alloc]") {
  auto cls = random_dataset(300, 50, 10, 5), bin = random_dataset(300, 20, 2, 6),
       reg = random_dataset(300, 20, 0, 7);
  const std::vector<std::vector<std::uint32_t>> batches = {iota_indices(10, 128),
                                                           iota_indices(3, 17)};
  CHECK(allocations_in_steps(*mlp::create(cls, {50, 64, 32, 10}, activation::tanh, 1).value(), 128,
                             batches) == 0);
  CHECK(allocations_in_steps(*softmax::create(cls, 1).value(), 128, batches) == 0);
  CHECK(allocations_in_steps(*logreg::create(bin, 1).value(), 128, batches) == 0);
  CHECK(allocations_in_steps(*linreg::create(reg, 1, 1).value(), 128, batches) == 0);
  const auto g = gaussian::dense(Eigen::VectorXd::Zero(30), Eigen::MatrixXd::Identity(30, 30), 0.5);
  CHECK(allocations_in_steps(*g.value(), 1, {{}}) == 0);
}
