#include "sgmc/core/rng.hpp"

#include "rng_paths.hpp"

#include <algorithm>

// The generator's API: the per-stream constants, the split of a request into whole groups of
// 16 counters, and the choice of path (AVX-512 when compiled for it, else the scalar one: both
// give the same bits). The paths themselves are rng_scalar.cpp and rng_avx512.cpp.

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

#if defined(__AVX512F__)
constexpr auto normal_groups = avx512::normal_groups;
constexpr auto uniform_groups = avx512::uniform_groups;
constexpr auto bits_groups = avx512::bits_groups;
#else
constexpr auto normal_groups = scalar::normal_groups;
constexpr auto uniform_groups = scalar::uniform_groups;
constexpr auto bits_groups = scalar::bits_groups;
#endif

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
  fill_by_groups(key, make_constants(key), first, out, normal_groups);
}

normal_filler::normal_filler(const rng_key& key) : key_(key), c_(make_constants(key)) {}

void normal_filler::operator()(std::size_t first, std::span<float> out) const {
  fill_by_groups(key_, c_, first, out, normal_groups);
}

void fill_uniform(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, uniform_groups);
}

void fill_bits(const rng_key& key, std::size_t first, std::span<std::uint32_t> out) {
  fill_by_groups(key, make_constants(key), first, out, bits_groups);
}

namespace detail {
void fill_normal_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, paths::scalar::normal_groups);
}
void fill_uniform_scalar(const rng_key& key, std::size_t first, std::span<float> out) {
  fill_by_groups(key, make_constants(key), first, out, paths::scalar::uniform_groups);
}
void box_muller(std::uint32_t w_radius, std::uint32_t w_angle, float& z0, float& z1) {
  const u32 w[4] = {w_radius, w_angle, 1u, 0u};
  float out[4];
  paths::scalar::normals_from_words(w, out);
  z0 = out[0];
  z1 = out[1];
}
bool fill_is_vectorized() {
#if defined(__AVX512F__)
  return true;
#else
  return false;
#endif
}
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
