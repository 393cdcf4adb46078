#include "sgmc/engine/version_history.hpp"

#include <algorithm>

namespace sgmc::engine {

version_history::version_history(std::size_t depth) : depth_(std::max<std::size_t>(1, depth)) {}

void version_history::keep(protocols::version_t v, std::span<const float> theta) {
  if (!kept_.empty() && kept_.back().first >= v) return;
  kept_.emplace_back(v, std::vector<float>(theta.begin(), theta.end()));
  while (kept_.size() > depth_) kept_.pop_front();
}

bool version_history::serve(protocols::theta_reply& p, protocols::version_t k) const {
  const auto target = p.version - std::min<protocols::version_t>(k, p.version);
  for (auto it = kept_.rbegin(); it != kept_.rend(); ++it) {
    if (it->first > target) continue;
    if (it->first >= p.version || it->second.size() != p.data.values.size()) return false;
    p.version = it->first;
    p.data.values = it->second;
    return true;
  }
  return false;
}

}  // namespace sgmc::engine
