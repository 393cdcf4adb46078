#include "sgmc/core/rng.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// Every vectorised path of the generator against the scalar reference, called directly
// (detail::fill_*_path), bit for bit: many keys, starts that are not multiples of 8 or 64, and
// lengths that are not either. Every x86-64 build has every path (core/CMakeLists.txt); a path
// this CPU cannot run is not tested, and the test says so.

using sgmc::core::rng_key;
using sgmc::core::rng_stream;
using sgmc::core::detail::rng_path;
namespace detail = sgmc::core::detail;

namespace {

const rng_key kPathKeys[] = {
    {0, 0, 0, rng_stream::noise},
    {1, 0, 0, rng_stream::noise},
    {42, 3, 7, rng_stream::noise2},
    {0xdeadbeefcafef00dULL, 11, 123456, rng_stream::user},
    {0xffffffffffffffffULL, 0xffffffffu, 0xffffffffULL, rng_stream::grad_noise},
    {7, 1, 1ULL << 40, rng_stream::codec},
};
const std::size_t kPathStarts[] = {
    0, 1, 3, 7, 8, 9, 31, 63, 64, 65, 127, 1000003, (std::size_t{1} << 34) - 37};  // the block
                                                                                   // counter wraps
const std::size_t kPathLengths[] = {0,  1,  2,  5,  7,   8,   9,   15,  31,
                                    33, 63, 64, 65, 100, 127, 129, 1000};

bool same_bits(const void* a, const void* b, std::size_t bytes) {
  // memcmp needs valid pointers even for 0 bytes (an empty vector may have none).
  return bytes == 0 || std::memcmp(a, b, bytes) == 0;
}

void check_path_against_scalar(rng_path p) {
  for (const rng_key& key : kPathKeys) {
    for (std::size_t start : kPathStarts) {
      for (std::size_t len : kPathLengths) {
        INFO("path " << detail::rng_path_name(p) << " seed " << key.seed << " start " << start
                     << " len " << len);
        std::vector<float> fast(len), slow(len);
        detail::fill_normal_path(p, key, start, fast);
        detail::fill_normal_path(rng_path::scalar, key, start, slow);
        REQUIRE(same_bits(fast.data(), slow.data(), len * sizeof(float)));
        detail::fill_uniform_path(p, key, start, fast);
        detail::fill_uniform_path(rng_path::scalar, key, start, slow);
        REQUIRE(same_bits(fast.data(), slow.data(), len * sizeof(float)));
        std::vector<std::uint32_t> bfast(len), bslow(len);
        detail::fill_bits_path(p, key, start, bfast);
        detail::fill_bits_path(rng_path::scalar, key, start, bslow);
        REQUIRE(bfast == bslow);
      }
    }
  }
  // A long run visits the rare words (u near 0 and 1, float roundings of words ≥ 2^31, angles
  // on quadrant boundaries) for two keys.
  constexpr std::size_t n = std::size_t{1} << 22;
  std::vector<float> fast(n), slow(n);
  for (const rng_key& key : {kPathKeys[1], kPathKeys[3]}) {
    detail::fill_normal_path(p, key, 5, fast);
    detail::fill_normal_path(rng_path::scalar, key, 5, slow);
    REQUIRE(same_bits(fast.data(), slow.data(), n * sizeof(float)));
  }
}

}  // namespace

TEST_CASE("the AVX2 path gives the scalar path's bits", "[core]") {
  if (!detail::rng_path_supported(rng_path::avx2)) {
    WARN("AVX2 path: not built in, or this CPU lacks AVX2 + FMA: NOT TESTED");
    return;
  }
  check_path_against_scalar(rng_path::avx2);
}

TEST_CASE("the AVX-512 path gives the scalar path's bits", "[core]") {
  if (!detail::rng_path_supported(rng_path::avx512)) {
    WARN("AVX-512 path: not built in, or this CPU lacks AVX-512F + DQ: NOT TESTED");
    return;
  }
  check_path_against_scalar(rng_path::avx512);
}

// Also run by CTest with SGMC_RNG_PATH=scalar and =bogus (tests/core/CMakeLists.txt).
TEST_CASE("the active path is the best supported one unless SGMC_RNG_PATH names another",
          "[core]") {
  rng_path best = rng_path::scalar;
  for (rng_path p : {rng_path::avx2, rng_path::avx512})
    if (detail::rng_path_supported(p)) best = p;
  rng_path want = best;
  if (const char* env = std::getenv("SGMC_RNG_PATH")) {
    for (rng_path p : {rng_path::scalar, rng_path::avx2, rng_path::avx512}) {
      if (std::string(env) != detail::rng_path_name(p)) continue;
      if (detail::rng_path_supported(p))
        want = p;
      else
        WARN("SGMC_RNG_PATH=" << env << ": this CPU cannot run it, so the automatic choice stands");
    }
  }
  CHECK(detail::rng_path_supported(rng_path::scalar));
  CHECK(detail::active_rng_path() == want);
  CHECK(detail::fill_is_vectorized() == (want != rng_path::scalar));
  // Whatever the path, the API gives the reference's bits.
  std::vector<float> got(1000), ref(1000);
  sgmc::core::fill_normal(kPathKeys[2], 77, got);
  detail::fill_normal_path(rng_path::scalar, kPathKeys[2], 77, ref);
  CHECK(same_bits(got.data(), ref.data(), got.size() * sizeof(float)));
}
