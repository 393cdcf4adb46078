#pragma once
// The last few versions of a master shard's θ slice, kept so that a parameters answer can be
// served from an older version: injected version delays (staleness.delay = "fixed:K", ...) in
// the actors, and the test driver's params lag. Serving an older θ makes the worker's next
// push name that older version, so the protocol itself records a staleness larger by k, and no
// message is held back (nothing can deadlock on it).
#include "sgmc/protocols/messages.hpp"

#include <cstddef>
#include <deque>
#include <span>
#include <utility>
#include <vector>

namespace sgmc::engine {

class version_history {
 public:
  /// Keeps at most `depth` versions (>= 1).
  explicit version_history(std::size_t depth = 1);

  /// Keeps θ at version v (versions arrive in non-decreasing order; a repeat of the newest
  /// version is ignored), dropping the oldest beyond the depth.
  void keep(protocols::version_t v, std::span<const float> theta);

  /// Serves `p` from k versions back: replaces its version and values with the newest kept
  /// version <= p.version − k, when that is older than p.version and has p's size. Returns
  /// true when `p` was changed.
  bool serve(protocols::theta_reply& p, protocols::version_t k) const;

  std::size_t size() const { return kept_.size(); }
  std::size_t depth() const { return depth_; }

 private:
  std::size_t depth_;
  std::deque<std::pair<protocols::version_t, std::vector<float>>> kept_;
};

}  // namespace sgmc::engine
