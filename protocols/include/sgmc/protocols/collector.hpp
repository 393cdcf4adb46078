#pragma once
// The collector's bookkeeping: it assembles draws from their shard slices (every master shard
// sends its slice of each thinned draw) and hands complete draws on in order, per chain.
// Writing them (npy, metrics) is the driver's business.
//
// Who sends what (see master.hpp, worker.hpp): in sync, async, ssp and downpour the S master
// shards each send their slice of draw d of chain 0 (collector of 1 chain, S shards); in
// elastic each worker i sends whole draws of its own chain i (W chains, 1 "shard": the whole
// vector). collector::for_protocol builds the right one.
//
// A slice fits when chain < chains, shard < shards, (offset, length) is exactly
// shard_slice(dim, shards, shard), the draw was not handed on yet, the shard's slice of it has
// not arrived yet, and it is at most kMaxAhead draws ahead of the next draw of its chain (a
// bound on the memory a peer can make us hold). A draw's step and potential are shard 0's.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/messages.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace sgmc::protocols {

struct draw {
  std::uint32_t chain = 0;
  std::uint64_t index = 0;  ///< draw index in its chain
  std::uint64_t step = 0;
  double potential = 0.0;
  std::int64_t staleness = -1;  ///< of the update that produced it (shard 0's; −1: none)
  std::vector<float> theta;     ///< the full θ
};

class collector {
 public:
  /// Draws a chain may run ahead of its next draw to hand on.
  static constexpr std::uint64_t kMaxAhead = 4096;

  /// `chains` chains (1, or W for elastic), θ of length dim split over `shards` shards.
  collector(std::uint32_t chains, std::uint32_t shards, std::size_t dim);
  /// The collector of a run of `protocol` on θ of length dim (see above).
  static collector for_protocol(const protocol_params& protocol, std::size_t dim);

  /// Adds one slice; appends to `ready` every draw completed by it, in draw order per chain.
  /// errc::protocol for a slice that does not fit (chain, shard, offset, length, draw).
  expected<void> on_sample(const sample& msg, std::vector<draw>& ready);

  /// A run resumed from a checkpoint: the next draw of `chain` to hand on is `next` (the ones
  /// before were handed on before the restart). Before any sample of the chain.
  void resume(std::uint32_t chain, std::uint64_t next) { next_.at(chain) = next; }
  /// Draws still incomplete (slices missing).
  std::size_t pending() const { return parts_.size(); }
  /// Draws handed on so far for `chain`.
  std::uint64_t delivered(std::uint32_t chain) const { return next_.at(chain); }
  std::uint32_t chains() const { return chains_; }
  std::uint32_t shards() const { return shards_; }

 private:
  struct partial {
    draw d;
    std::vector<bool> got;  ///< per shard
    std::uint32_t count = 0;
  };
  expected<void> check(const sample& msg) const;

  std::uint32_t chains_, shards_;
  std::size_t dim_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, partial> parts_;  ///< (chain, draw)
  std::vector<std::uint64_t> next_;  ///< next draw index to hand on, per chain
};

}  // namespace sgmc::protocols
