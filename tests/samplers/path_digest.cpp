// sgmc_path_digest: what every user of the generator computes, as digests of its bits, under
// whichever generator path this process runs (the automatic choice, or SGMC_RNG_PATH). It prints
//   path NAME
//   WHAT DIGEST
// lines; tests/samplers/paths_agree.cmake runs it once per path and requires every path the CPU
// runs to print the scalar path's digests: the raw streams (normals, uniforms, words, the
// sequential engine) and every update kernel over several steps, with offsets and lengths that
// are not multiples of the block, so that each kernel's noise comes through the path under test.

#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/momentum_sampler.hpp"
#include "sgmc/samplers/psgld.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace {

namespace core = sgmc::core;
namespace sm = sgmc::samplers;

// FNV-1a over the bytes: a change of one bit anywhere changes the digest.
std::uint64_t digest(const void* data, std::size_t bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

template <class T>
void print(const std::string& what, const std::vector<T>& v) {
  std::printf("%s %016llx\n", what.c_str(),
              static_cast<unsigned long long>(digest(v.data(), v.size() * sizeof(T))));
}

// Several chunks and blocks, and a partial last block.
constexpr std::size_t kDim = 5 * 8192 + 333;
constexpr int kSteps = 3;

std::vector<float> draw(std::uint64_t seed, float scale) {
  std::vector<float> x(kDim);
  core::detail::fill_normal_path(core::detail::rng_path::scalar,
                                 {seed, 2, 0, core::rng_stream::user}, 0, x);
  for (float& v : x) v *= scale;
  return x;
}

void streams() {
  const core::rng_key key{0xfeedULL, 3, 77, core::rng_stream::noise};
  for (const std::size_t first : {std::size_t{0}, std::size_t{5}, std::size_t{1} << 33}) {
    std::vector<float> z(kDim);
    core::fill_normal(key, first, z);
    print("fill_normal@" + std::to_string(first), z);
    core::fill_uniform(key, first, z);
    print("fill_uniform@" + std::to_string(first), z);
    std::vector<std::uint32_t> w(kDim);
    core::fill_bits(key, first, w);
    print("fill_bits@" + std::to_string(first), w);
  }
  core::philox_engine engine(key);
  std::vector<std::uint64_t> drawn(1000);
  for (auto& d : drawn) d = engine.below(1000003);
  print("philox_engine", drawn);
}

void kernel(const std::string& kind, std::uint64_t offset) {
  sm::sampler_params p;
  p.kind = sm::parse_sampler_kind(kind).value();
  p.temperature = 0.7;
  p.friction = 0.3;
  p.rmsprop_decay = 0.9;
  p.rmsprop_eps = 1e-3;
  p.data_size = 1000;
  auto made = sm::make_sampler(p, kDim);
  if (!made) {
    std::printf("%s error\n", kind.c_str());
    return;
  }
  sm::sampler& k = **made;
  std::vector<float> theta = draw(1, 1.0f);
  for (int s = 0; s < kSteps; ++s) {
    const std::vector<float> g = draw(100 + static_cast<std::uint64_t>(s), 3.0f);
    const sm::step_info info{static_cast<std::uint64_t>(s), kind == "sghmc-exact" ? 0.1f : 0.01f,
                             core::rng_key{1234, 5, static_cast<std::uint64_t>(s)}, offset};
    if (!k.step(theta, g, info)) std::printf("%s diverged\n", kind.c_str());
  }
  const std::string what = kind + "@" + std::to_string(offset);
  print(what + "/theta", theta);
  std::span<const float> state;
  if (auto* m = dynamic_cast<const sm::momentum_sampler*>(&k)) state = m->momentum();
  if (auto* m = dynamic_cast<const sm::psgld*>(&k)) state = m->mean_square();
  print(what + "/state", std::vector<float>(state.begin(), state.end()));
}

}  // namespace

int main() {
  std::printf("path %s\n", core::detail::rng_path_name(core::detail::active_rng_path()));
  streams();
  for (const char* kind : sm::sampler_kind_names)
    for (const std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{256} * 1001})
      kernel(kind, offset);
  return 0;
}
