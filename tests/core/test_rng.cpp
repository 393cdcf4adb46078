#include "sgmc/core/rng.hpp"

#include <Random123/philox.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using sgmc::core::rng_key;

TEST_CASE("philox_block equals Random123's Philox4x32-10 on the documented counter", "[core]") {
  rng_key key{0x1234567890abcdefULL, 7, 42, sgmc::core::rng_stream::batch};
  std::uint32_t got[4];
  sgmc::core::philox_block(key, 5, got);
  r123::Philox4x32 ref;
  const auto want = ref({{5u, 2u, 42u, 7u}}, {{0x90abcdefu, 0x12345678u}});
  for (int i = 0; i < 4; ++i) CHECK(got[i] == want.v[i]);
}

TEST_CASE("fill_normal gives each element the value of its own index, however it is split",
          "[core]") {
  rng_key key{99, 3, 17};
  std::vector<float> whole(1000);
  sgmc::core::fill_normal(key, 0, whole);
  for (std::size_t start : {0u, 1u, 3u, 63u, 64u, 65u, 500u, 999u}) {
    for (std::size_t len : {1u, 5u, 64u, 130u}) {
      if (start + len > whole.size()) continue;
      std::vector<float> part(len);
      sgmc::core::fill_normal(key, start, part);
      for (std::size_t i = 0; i < len; ++i) REQUIRE(part[i] == whole[start + i]);
    }
  }
}

TEST_CASE("fill_normal has mean 0, variance 1 and normal tails", "[core]") {
  constexpr std::size_t n = 1 << 20;
  std::vector<float> z(n);
  sgmc::core::fill_normal(rng_key{2024, 0, 0}, 0, z);
  double sum = 0, sum2 = 0, sum4 = 0;
  std::size_t beyond2 = 0;
  for (float v : z) {
    REQUIRE(std::isfinite(v));
    sum += v;
    sum2 += double(v) * v;
    sum4 += double(v) * v * v * v;
    beyond2 += std::abs(v) > 2.0f;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean, kurt = sum4 / n;
  // Standard errors at n = 2^20: mean 0.001, variance 0.0014, fourth moment 0.01.
  CHECK(std::abs(mean) < 0.005);
  CHECK(std::abs(var - 1.0) < 0.007);
  CHECK(std::abs(kurt - 3.0) < 0.05);
  CHECK(std::abs(double(beyond2) / n - 0.0455) < 0.002);
}

TEST_CASE("different steps, chains and streams give different normals", "[core]") {
  std::vector<float> a(64), b(64), c(64), d(64);
  sgmc::core::fill_normal(rng_key{1, 0, 0}, 0, a);
  sgmc::core::fill_normal(rng_key{1, 0, 1}, 0, b);
  sgmc::core::fill_normal(rng_key{1, 1, 0}, 0, c);
  sgmc::core::fill_normal(rng_key{1, 0, 0, sgmc::core::rng_stream::noise2}, 0, d);
  CHECK(a != b);
  CHECK(a != c);
  CHECK(a != d);
}

TEST_CASE("philox_engine draws unbiased integers below n", "[core]") {
  sgmc::core::philox_engine eng(rng_key{5, 0, 0, sgmc::core::rng_stream::batch});
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) counts[eng.below(7)]++;
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  for (int i = 0; i < 1000; ++i) {
    const double u = eng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
}

// ---- the vectorised generator against its references ------------------------------------------

namespace {

// Keys that exercise every counter word, including values with the high bits set.
const rng_key kKeys[] = {
    {0, 0, 0, sgmc::core::rng_stream::noise},
    {0x1234567890abcdefULL, 7, 42, sgmc::core::rng_stream::noise2},
    {0xffffffffffffffffULL, 0xffffffffu, 0xffffffffULL, sgmc::core::rng_stream::user},
    {99, 3, (1ULL << 32) + 5, sgmc::core::rng_stream::grad_noise},
};

// Offsets and lengths that hit group boundaries (64 elements), partial groups and long runs.
const std::size_t kStarts[] = {0, 1, 3, 4, 63, 64, 65, 127, 128, 1000, 4096};
const std::size_t kLengths[] = {1, 2, 5, 63, 64, 65, 128, 129, 1000};

}  // namespace

TEST_CASE("fill_bits equals Random123's Philox4x32-10 word for word", "[core]") {
  r123::Philox4x32 ref;
  for (const rng_key& key : kKeys) {
    for (std::size_t start : kStarts) {
      for (std::size_t len : kLengths) {
        std::vector<std::uint32_t> got(len);
        sgmc::core::fill_bits(key, start, got);
        for (std::size_t i = 0; i < len; ++i) {
          const std::size_t e = start + i;
          const auto want = ref(
              {{static_cast<std::uint32_t>(e / 4), static_cast<std::uint32_t>(key.stream),
                static_cast<std::uint32_t>(key.step), key.chain}},
              {{static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}});
          INFO("seed " << key.seed << " element " << e);
          REQUIRE(got[i] == want.v[e % 4]);
        }
      }
    }
  }
}

TEST_CASE("fill_bits wraps the 32-bit block counter like philox_block", "[core]") {
  const rng_key key{5, 1, 2};
  const std::size_t first = (std::size_t{1} << 34) - 8;  // blocks 2^32 - 2 .. 2^32 + 1
  std::vector<std::uint32_t> got(16);
  sgmc::core::fill_bits(key, first, got);
  for (std::size_t i = 0; i < got.size(); ++i) {
    std::uint32_t want[4];
    sgmc::core::philox_block(key, (first + i) / 4, want);
    REQUIRE(got[i] == want[(first + i) % 4]);
  }
}

TEST_CASE("fill_normal and fill_uniform give the bits of the scalar reference", "[core]") {
  INFO("vectorised path: " << sgmc::core::detail::fill_is_vectorized());
  for (const rng_key& key : kKeys) {
    for (std::size_t start : kStarts) {
      for (std::size_t len : kLengths) {
        std::vector<float> fast(len), slow(len), ufast(len), uslow(len);
        sgmc::core::fill_normal(key, start, fast);
        sgmc::core::detail::fill_normal_scalar(key, start, slow);
        sgmc::core::fill_uniform(key, start, ufast);
        sgmc::core::detail::fill_uniform_scalar(key, start, uslow);
        INFO("seed " << key.seed << " start " << start << " len " << len);
        REQUIRE(std::equal(fast.begin(), fast.end(), slow.begin(), [](float a, float b) {
          return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
        }));
        REQUIRE(ufast == uslow);
      }
    }
  }
  // A long run visits the rare words too (u near 0 and 1, angles on quadrant boundaries).
  constexpr std::size_t n = std::size_t{1} << 22;
  std::vector<float> fast(n), slow(n);
  sgmc::core::fill_normal(kKeys[1], 0, fast);
  sgmc::core::detail::fill_normal_scalar(kKeys[1], 0, slow);
  REQUIRE(std::memcmp(fast.data(), slow.data(), n * sizeof(float)) == 0);
}

namespace {
// Box–Muller in double from the same words: the float path is within a few float roundings.
void box_muller_double(std::uint32_t w0, std::uint32_t w1, double& z0, double& z1) {
  // u as the generator rounds it to float: (⌊w0/2⌋ + ½) / 2^31.
  const double u =
      std::fma(static_cast<float>(w0 >> 1), 1.0f / 2147483648.0f, 0.5f / 2147483648.0f);
  const double r = std::sqrt(-2.0 * std::log(u));
  const double a = 2.0 * std::numbers::pi * (static_cast<double>(w1) / 4294967296.0);
  z0 = r * std::cos(a);
  z1 = r * std::sin(a);
}
// Float Box–Muller: u is rounded to float once (relative 6e-8), the polynomial log is within 1e-6
// of −2 ln u, sin and cos within ~2 float ulps; near r = 0, −2 ln u ≈ 2 (1 − u) is small and
// the log's error is relative to f = u − 1 there (no cancellation: ln v = e ln2 + f L(f), e = 0).
constexpr double kBoxMullerAbsTol = 1e-6;
}  // namespace

TEST_CASE("Box–Muller matches a double-precision computation on the same words", "[core]") {
  std::vector<std::uint32_t> edge = {
      0u,          1u,          2u,          0x7fu,       0xffu,       0x100u,
      0x3fffffffu, 0x40000000u, 0x5fffffffu, 0x60000000u, 0x7fffffffu, 0x80000000u,
      0x9fffffffu, 0xa0000000u, 0xbfffffffu, 0xc0000000u, 0xdfffffffu, 0xe0000000u,
      0xfffffeffu, 0xffffff7fu, 0xffffff80u, 0xfffffffeu, 0xffffffffu};
  std::vector<std::uint32_t> words(1 << 16);
  sgmc::core::fill_bits(rng_key{7, 0, 0}, 0, words);
  words.insert(words.end(), edge.begin(), edge.end());
  double worst = 0.0;
  for (std::uint32_t w0 : words) {
    for (std::uint32_t w1 : {w0 ^ 0x5a5a5a5au, edge[w0 % edge.size()]}) {
      float z0, z1;
      double d0, d1;
      sgmc::core::detail::box_muller(w0, w1, z0, z1);
      box_muller_double(w0, w1, d0, d1);
      INFO("words " << w0 << " " << w1);
      REQUIRE(std::isfinite(z0));
      REQUIRE(std::isfinite(z1));
      worst = std::max({worst, std::abs(z0 - d0), std::abs(z1 - d1)});
      REQUIRE(std::abs(z0 - d0) <= kBoxMullerAbsTol);
      REQUIRE(std::abs(z1 - d1) <= kBoxMullerAbsTol);
    }
  }
  CAPTURE(worst);
  SUCCEED();
}

TEST_CASE("philox_engine gives the words of blocks 0, 1, 2, ... in order", "[core]") {
  const rng_key key{42, 3, 9, sgmc::core::rng_stream::batch};
  sgmc::core::philox_engine eng(key);
  for (std::uint64_t block = 0; block < 100; ++block) {
    std::uint32_t want[4];
    sgmc::core::philox_block(key, block, want);
    for (int w = 0; w < 4; ++w) REQUIRE(eng() == want[w]);
  }
}

TEST_CASE("normal_filler gives what fill_normal gives", "[core]") {
  for (const rng_key& key : kKeys) {
    const sgmc::core::normal_filler fill(key);
    for (std::size_t start : kStarts) {
      for (std::size_t len : kLengths) {
        std::vector<float> a(len), b(len);
        fill(start, a);
        sgmc::core::fill_normal(key, start, b);
        REQUIRE(a == b);
      }
    }
  }
}
