#include "sgmc/core/rng.hpp"

#include "rng_paths.hpp"

#include "sgmc/core/assert.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

// The generator's API: the per-stream constants, the split of a request into whole groups of
// 16 counters, and the choice of path at run time (AVX-512 when compiled for it, else AVX2+FMA
// when the CPU has them, else the scalar one: all give the same bits). The paths themselves are
// rng_scalar.cpp, rng_avx2.cpp and rng_avx512.cpp.

namespace sgmc::core {
namespace {

using namespace paths;

// Only counter word 0 differs between the blocks of a stream, so round 1's second product and
// round 2's first are the same for every block: computed once, on scalars.
constants make_constants(const rng_key& key) {
  constants p{};
  const auto k = make_key(key);
  const auto c = make_ctr(key, 0);
  for (u32 r = 0; r < 10; ++r) {
    p.ka[r] = k.v[0] + r * kW0;
    p.kb[r] = k.v[1] + r * kW1;
  }
  p.c3 = c.v[3];
  const u64 p1 = u64{kM1} * c.v[2];
  const u32 r1_y0 = static_cast<u32>(p1 >> 32) ^ c.v[1] ^ p.ka[0];
  p.r1_y1 = static_cast<u32>(p1);
  const u64 p0 = u64{kM0} * r1_y0;
  p.r2_hi0 = static_cast<u32>(p0 >> 32);
  p.r2_lo0 = static_cast<u32>(p0);
  return p;
}

using normal_fn = void (*)(const rng_key&, const constants&, u64, std::size_t, float*);
using bits_fn = void (*)(const rng_key&, const constants&, u64, std::size_t, u32*);

struct path_table {
  normal_fn normal;
  normal_fn uniform;
  bits_fn bits;
};

path_table table_of(detail::rng_path p) {
  switch (p) {
#if defined(SGMC_RNG_AVX2)
    case detail::rng_path::avx2:
      return {avx2::normal_groups, avx2::uniform_groups, avx2::bits_groups};
#endif
#if defined(SGMC_RNG_AVX512)
    case detail::rng_path::avx512:
      return {avx512::normal_groups, avx512::uniform_groups, avx512::bits_groups};
#endif
    default:
      return {scalar::normal_groups, scalar::uniform_groups, scalar::bits_groups};
  }
}

// The fastest path this binary has and this CPU runs, unless SGMC_RNG_PATH names another one
// that it also has and runs (a testing switch, see rng.hpp); read once.
detail::rng_path choose_path() {
  using detail::rng_path;
  rng_path best = rng_path::scalar;
  for (const rng_path p : {rng_path::avx2, rng_path::avx512})
    if (detail::rng_path_supported(p)) best = p;
  const char* env = std::getenv("SGMC_RNG_PATH");  // NOLINT(concurrency-mt-unsafe): once
  if (env == nullptr) return best;
  for (const rng_path p : {rng_path::scalar, rng_path::avx2, rng_path::avx512})
    if (std::strcmp(env, detail::rng_path_name(p)) == 0 && detail::rng_path_supported(p)) return p;
  return best;
}

const path_table& active() {
  static const path_table t = table_of(detail::active_rng_path());
  return t;
}

// Runs group_fn over whole groups covering [first, first + out.size()): groups that are wholly
// inside go straight to out, a partial first or last group through a small buffer, so that
// element i always gets the value of its own counter.
template <class T, class GroupFn>
void fill_by_groups(const rng_key& key, const constants& c, std::size_t first, std::span<T> out,
                    GroupFn group_fn) {
  const std::size_t n = out.size();
  std::size_t done = 0;
  alignas(64) T tmp[kGroup];
  while (done < n) {
    const std::size_t global = first + done;
    const std::size_t offset = global % kGroup;
    const u64 block = (global - offset) / 4;
    if (offset == 0 && n - done >= kGroup) {
      const std::size_t whole = (n - done) / kGroup;
      group_fn(key, c, block, whole, out.data() + done);
      done += whole * kGroup;
    } else {
      const std::size_t take = std::min(kGroup - offset, n - done);
      group_fn(key, c, block, 1, tmp);
      std::copy_n(tmp + offset, take, out.data() + done);
      done += take;
    }
  }
}

}  // namespace

void fill_normal(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, active().normal);
}

normal_filler::normal_filler(const rng_key& key) : key_(key), c_(make_constants(key)) {}

void normal_filler::operator()(std::size_t first, std::span<float> out) const {
  fill_by_groups(key_, c_, first, out, active().normal);
}

void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, active().uniform);
}

void fill_bits(const rng_key& key, std::size_t first, std::span<std::uint32_t> out) {
  fill_by_groups(key, make_constants(key), first, out, active().bits);
}

namespace detail {
const char* rng_path_name(rng_path p) {
  switch (p) {
    case rng_path::avx2:
      return "avx2";
    case rng_path::avx512:
      return "avx512";
    default:
      return "scalar";
  }
}
bool rng_path_supported(rng_path p) {
  switch (p) {
    case rng_path::scalar:
      return true;
    case rng_path::avx2:
#if defined(SGMC_RNG_AVX2)
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case rng_path::avx512:
#if defined(SGMC_RNG_AVX512)
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
      return false;
#endif
  }
  return false;
}
rng_path active_rng_path() {
  static const rng_path p = choose_path();
  return p;
}
void fill_normal_path(rng_path p, const rng_key& key, std::size_t first, std::span<float> out) {
  SGMC_ASSERT(rng_path_supported(p), "this CPU or build lacks the requested rng path");
  fill_by_groups(key, make_constants(key), first, out, table_of(p).normal);
}
void fill_uniform_path(rng_path p, const rng_key& key, std::size_t first, std::span<float> out) {
  SGMC_ASSERT(rng_path_supported(p), "this CPU or build lacks the requested rng path");
  fill_by_groups(key, make_constants(key), first, out, table_of(p).uniform);
}
void fill_bits_path(rng_path p, const rng_key& key, std::size_t first,
                    std::span<std::uint32_t> out) {
  SGMC_ASSERT(rng_path_supported(p), "this CPU or build lacks the requested rng path");
  fill_by_groups(key, make_constants(key), first, out, table_of(p).bits);
}
void fill_normal_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_normal_path(rng_path::scalar, key, first, out);
}
void fill_uniform_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_uniform_path(rng_path::scalar, key, first, out);
}
void box_muller(std::uint32_t w_radius, std::uint32_t w_angle, float& z0, float& z1) {
  const u32 w[4] = {w_radius, w_angle, 1u, 0u};
  float out[4];
  paths::scalar::normals_from_words(w, out);
  z0 = out[0];
  z1 = out[1];
}
bool fill_is_vectorized() { return active_rng_path() != rng_path::scalar; }
}  // namespace detail

void philox_block(const rng_key& key, std::uint64_t block, std::uint32_t out[4]) {
  philox gen;
  const auto r = gen(make_ctr(key, block), make_key(key));
  std::copy_n(r.v, 4, out);
}

void philox_engine::refill() {
  fill_bits(key_, next_, std::span<std::uint32_t>(words_, kBuffer));
  next_ += kBuffer;
  used_ = 0;
}

std::uint64_t philox_engine::below(std::uint64_t n) {
  // Lemire's nearly divisionless method on 64-bit draws.
  auto next64 = [this] { return (std::uint64_t{(*this)()} << 32) | (*this)(); };
  u128 m = static_cast<u128>(next64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double philox_engine::uniform() {
  const std::uint64_t hi = (*this)() >> 5, lo = (*this)() >> 6;
  return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) *
         (1.0 / 9007199254740992.0);
}

}  // namespace sgmc::core
