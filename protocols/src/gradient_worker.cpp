#include "gradient_worker.hpp"

#include <utility>

namespace sgmc::protocols::detail {

gradient_worker::gradient_worker(worker_setup setup) : worker_core(std::move(setup)) {}

expected<void> gradient_worker::start(outbox& out) {
  pull_all(out);
  return {};
}

expected<void> gradient_worker::step(outbox& out) {
  const std::uint64_t seq = computed_;
  auto u = gradient(theta_.span());
  if (!u) return unexpected(u.error());
  const std::span<const float> g = grad_.span();
  for (shard_id k = 0; k < slices_.size(); ++k) {
    const auto part = g.subspan(slices_[k].offset, slices_[k].size);
    out.send.push_back({master_shard(k), push{setup_.id, k, versions_[k], seq, push_kind::gradient,
                                              *u, payload{{part.begin(), part.end()}}}});
  }
  await_params();
  return {};
}

}  // namespace sgmc::protocols::detail
