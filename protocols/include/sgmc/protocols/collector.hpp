#pragma once
// The collector's bookkeeping: it assembles draws from their shard slices (every master shard
// sends its slice of each thinned draw) and hands complete draws on in order, per chain.
// Writing them (npy, metrics) is the driver's business.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/messages.hpp"

#include <cstdint>
#include <map>
#include <vector>

namespace sgmc::protocols {

struct draw {
  std::uint32_t chain = 0;
  std::uint64_t index = 0;  ///< draw index in its chain
  std::uint64_t step = 0;
  double potential = 0.0;
  std::vector<float> theta;  ///< the full θ
};

class collector {
 public:
  /// `chains` chains (1, or W for elastic), θ of length dim split over `shards` shards.
  collector(std::uint32_t chains, std::uint32_t shards, std::size_t dim);

  /// Adds one slice; appends to `ready` every draw completed by it, in draw order per chain.
  /// errc::protocol for a slice that does not fit (chain, shard, offset, length).
  expected<void> on_sample(const sample& msg, std::vector<draw>& ready);

  /// Draws still incomplete (slices missing).
  std::size_t pending() const;

 private:
  struct partial;
  std::uint32_t chains_, shards_;
  std::size_t dim_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<float>> parts_;  // impl free
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> arrived_;
  std::vector<std::uint64_t> next_;  // next draw index to hand on, per chain
};

}  // namespace sgmc::protocols
