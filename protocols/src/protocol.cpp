#include "sgmc/protocols/protocol.hpp"

#include "sgmc/core/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sgmc::protocols {
namespace {

constexpr const auto& kKindNames = protocol_kind_names;

unexpected bad(const char* key, const char* rule, double got) {
  return make_error(errc::invalid_config,
                    fmt::format("protocol.{} must be {}, got {}", key, rule, got));
}

}  // namespace

expected<protocol_kind> parse_protocol_kind(const std::string& name) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i)
    if (name == kKindNames[i]) return static_cast<protocol_kind>(i);
  return make_error(errc::invalid_config, fmt::format("protocol.kind must be one of {}, got \"{}\"",
                                                      fmt::join(kKindNames, " | "), name));
}

const char* to_string(protocol_kind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kKindNames) ? kKindNames[i] : "unknown";
}

expected<void> validate(const protocol_params& p) {
  if (static_cast<std::size_t>(p.kind) >= std::size(kKindNames))
    return bad("kind", "a known protocol", static_cast<double>(p.kind));
  if (p.kind == protocol_kind::none)
    return make_error(errc::invalid_config,
                      "protocol.kind = \"none\" runs no protocol (give sync, async, ssp, "
                      "downpour or elastic)");
  if (p.workers == 0) return bad("workers", ">= 1", 0);
  if (p.shards == 0) return bad("shards", ">= 1", 0);
  if (p.push_every == 0) return bad("push_every", ">= 1", 0);
  if (p.pull_every == 0) return bad("pull_every", ">= 1", 0);
  if (p.elastic_period == 0) return bad("elastic_period", ">= 1", 0);
  if (!(p.elastic_rho >= 0.0) || !std::isfinite(p.elastic_rho))
    return bad("elastic_rho", ">= 0 and finite", p.elastic_rho);
  if (!(p.elastic_alpha > 0.0 && p.elastic_alpha <= 1.0))
    return bad("elastic_alpha", "in (0, 1]", p.elastic_alpha);
  return {};
}

expected<void> validate(const protocol_params& p, std::size_t dim) {
  if (auto ok = validate(p); !ok) return ok;
  if (dim == 0) return make_error(errc::invalid_argument, "protocols: θ has no elements (dim 0)");
  const std::size_t blocks = (dim + kSliceAlign - 1) / kSliceAlign;
  if (p.shards > blocks)
    return make_error(errc::invalid_config,
                      fmt::format("protocol.shards must be <= {} for dim {} (a shard owns whole "
                                  "blocks of {} elements), got {}",
                                  blocks, dim, kSliceAlign, p.shards));
  for (const auto& [dir, c] :
       {std::pair{"push", &p.codec.push}, std::pair{"pull", &p.codec.pull}}) {
    if (c->kind == codec_kind::atomo_svd && p.shards > 1)
      return make_error(errc::invalid_config,
                        fmt::format("codec.{} = \"atomo-svd\" needs protocol.shards = 1 (its "
                                    "matrices are the model's, whole), got {}",
                                    dir, p.shards));
    for (shard_id k = 0; k < p.shards; ++k) {
      if (auto ok = validate(*c, shard_slice(dim, p.shards, k).size); !ok)
        return make_error(ok.error().code, fmt::format("codec.{}: {}", dir, ok.error().message));
    }
  }
  return {};
}

expected<void> validate(const run_length& run) {
  if (run.steps == 0) return make_error(errc::invalid_config, "run.steps must be >= 1, got 0");
  if (run.burnin >= run.steps)
    return make_error(errc::invalid_config, fmt::format("run.burnin ({}) must be < run.steps ({})",
                                                        run.burnin, run.steps));
  if (run.thin == 0) return make_error(errc::invalid_config, "run.thin must be >= 1, got 0");
  return {};
}

slice shard_slice(std::size_t dim, std::uint32_t shards, shard_id k) {
  if (shards == 0 || k >= shards) return {dim, 0};
  // Whole blocks of kSliceAlign elements, spread as evenly as integer division allows.
  const std::size_t blocks = (dim + kSliceAlign - 1) / kSliceAlign;
  const std::size_t lo = std::min(dim, blocks * k / shards * kSliceAlign);
  const std::size_t hi = std::min(dim, blocks * (k + 1) / shards * kSliceAlign);
  return {lo, hi - lo};
}

std::vector<std::uint32_t> worker_rows(std::size_t n, std::uint32_t workers, worker_id i,
                                       bool shard_data, std::uint64_t seed) {
  std::vector<std::uint32_t> rows(n);
  std::iota(rows.begin(), rows.end(), std::uint32_t{0});
  if (!shard_data || workers <= 1) return rows;
  if (i >= workers) return {};
  // Fisher–Yates over [0, n) from a stream no chain or worker uses (chain index 2^32 − 1).
  core::philox_engine eng(core::rng_key{seed, kPartitionChain, 0, core::rng_stream::batch});
  for (std::size_t j = n; j > 1; --j) std::swap(rows[j - 1], rows[eng.below(j)]);
  const std::size_t lo = n * i / workers, hi = n * (i + 1) / workers;
  std::vector<std::uint32_t> mine(rows.begin() + static_cast<std::ptrdiff_t>(lo),
                                  rows.begin() + static_cast<std::ptrdiff_t>(hi));
  std::sort(mine.begin(), mine.end());  // ascending: friendlier gathers; the batches reshuffle
  return mine;
}

}  // namespace sgmc::protocols
