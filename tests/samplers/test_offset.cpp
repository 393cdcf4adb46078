// step_info::offset: a kernel stepping the slice [o, o + n) of a chain's θ with offset o gives,
// bit for bit, the values the full-vector step gives on those elements (o a multiple of 256, as
// protocols::shard_slice guarantees). This is what lets S master shards reproduce one master.

#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/psgld.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/sghmc.hpp"
#include "sgmc/samplers/sghmc_euler.hpp"
#include "sgmc/samplers/sghmc_exact.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace sm = sgmc::samplers;
using vec = std::vector<float>;

// Several of the kernels' chunks (8192) and a partial last block.
constexpr std::size_t kDim = 3 * 8192 + 517;
constexpr int kSteps = 3;

vec draw(std::uint64_t seed, float scale) {
  vec x(kDim);
  sgmc::core::fill_normal({seed, 9, 0, sgmc::core::rng_stream::user}, 0, x);
  for (float& v : x) v *= scale;
  return x;
}

sm::sampler_params params_of(const std::string& kind) {
  sm::sampler_params p;
  p.kind = sm::parse_sampler_kind(kind).value();
  p.temperature = 0.7;
  p.friction = 0.3;
  p.rmsprop_decay = 0.9;
  p.rmsprop_eps = 1e-3;
  p.step_size = p.kind == sm::sampler_kind::sghmc_euler || p.kind == sm::sampler_kind::sghmc_exact
                    ? 0.1
                    : 0.01;
  return p;
}

std::span<const float> state_of(const sm::sampler& s) {
  if (auto* k = dynamic_cast<const sm::sghmc*>(&s)) return k->momentum();
  if (auto* k = dynamic_cast<const sm::sghmc_euler*>(&s)) return k->momentum();
  if (auto* k = dynamic_cast<const sm::sghmc_exact*>(&s)) return k->momentum();
  if (auto* k = dynamic_cast<const sm::psgld*>(&s)) return k->mean_square();
  return {};
}

// kSteps steps on [begin, end) of the full vectors with step_info::offset `offset` (`begin`
// unless given); θ and the kernel's state after them.
std::pair<vec, vec> run_slice(const sm::sampler_params& p, std::size_t begin, std::size_t end,
                              std::optional<std::size_t> offset = std::nullopt) {
  const std::size_t n = end - begin;
  auto made = sm::make_sampler(p, n);
  REQUIRE(made.has_value());
  const vec full = draw(1, 1.0f);
  vec theta(full.begin() + begin, full.begin() + end);
  for (int s = 0; s < kSteps; ++s) {
    const vec g = draw(100 + s, 3.0f);
    const vec gs(g.begin() + begin, g.begin() + end);
    const sm::step_info info{std::uint64_t(s), static_cast<float>(p.step_size),
                             sgmc::core::rng_key{1234, 5, std::uint64_t(s)},
                             offset.value_or(begin)};
    REQUIRE((*made)->step(theta, gs, info));
  }
  const auto st = state_of(**made);
  return {theta, vec(st.begin(), st.end())};
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a kernel on a slice with its offset gives the full vector's bits there",
          "[samplers][kernels][offset]") {
  for (const char* kind : {"sgld", "sgld-fp", "sghmc", "sghmc-euler", "sghmc-exact", "psgld"}) {
    SECTION(kind) {
      const sm::sampler_params p = params_of(kind);
      const auto [full_theta, full_state] = run_slice(p, 0, kDim);
      // Slices that start at multiples of 256: a whole chunk, one across chunk boundaries,
      // a short one, the tail (with the partial last block), and S = 3 shards covering all.
      const std::pair<std::size_t, std::size_t> cuts[] = {
          {0, 8192},          {256, 256 + 9000}, {8192 * 2 + 512, 8192 * 2 + 512 + 100},
          {kDim - 517, kDim}, {0, 8448},         {8448, 16896},
          {16896, kDim}};
      for (const auto& [lo, hi] : cuts) {
        INFO("slice [" << lo << ", " << hi << ")");
        const auto [theta, state] = run_slice(p, lo, hi);
        const std::span<const float> want(full_theta.data() + lo, hi - lo);
        CHECK(same_bits(theta, want));
        if (!full_state.empty())
          CHECK(same_bits(state, std::span<const float>(full_state.data() + lo, hi - lo)));
      }
    }
  }
}

TEST_CASE("the offset moves the noise: a slice stepped with offset 0 differs",
          "[samplers][kernels][offset]") {
  for (const char* kind : {"sgld", "sghmc", "sghmc-euler", "sghmc-exact", "psgld"}) {
    SECTION(kind) {
      const sm::sampler_params p = params_of(kind);
      const auto [right, right_state] = run_slice(p, 1024, 1536);
      const auto [wrong, wrong_state] = run_slice(p, 1024, 1536, 0);
      std::size_t equal = 0;
      for (std::size_t i = 0; i < right.size(); ++i) equal += right[i] == wrong[i];
      CHECK(equal == 0);
    }
  }
}
