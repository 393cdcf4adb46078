#include "sgmc/core/rng.hpp"

#include <Random123/philox.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
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

TEST_CASE("fill_normal gives each element the value of its own index, however it is split", "[core]") {
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
