#include "worker_core.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace sgmc::protocols::detail {

worker_core::worker_core(worker_setup setup)
    : setup_(std::move(setup)),
      versions_(setup_.protocol.shards, 0),
      theta_(setup_.dim),
      grad_(setup_.dim),
      batches_(
          setup_.source->data_size(),
          samplers::minibatcher_params{setup_.run.seed, setup_.id, setup_.batch_size, setup_.rows}),
      have_(setup_.protocol.shards, false) {
  for (shard_id k = 0; k < setup_.protocol.shards; ++k)
    slices_.push_back(shard_slice(setup_.dim, setup_.protocol.shards, k));
  theta_.assign(setup_.theta0);
}

expected<void> worker_core::resume(std::uint64_t computed, std::span<const float> theta) {
  if (theta.size() != setup_.dim)
    return make_error(
        errc::invalid_argument,
        fmt::format("{}: the saved θ has {} values, dim is {}", who(), theta.size(), setup_.dim));
  for (std::uint64_t k = computed_; k < computed; ++k) (void)batches_.next();
  computed_ = std::max(computed_, computed);
  theta_.assign(theta);
  return {};
}

worker_chain worker_core::save_chain() const {
  worker_chain c;
  c.theta.assign(theta_.data(), theta_.data() + theta_.size());
  c.computed = computed_;
  c.finished = finished_;
  return c;
}

expected<void> worker_core::restore_chain(const worker_chain& chain) {
  return resume(chain.computed, chain.theta);
}

std::string worker_core::who() const {
  return fmt::format("{} worker {}", to_string(setup_.protocol.kind), setup_.id);
}

expected<void> worker_core::on_theta_reply(const theta_reply& msg, outbox& out) {
  if (finished_) return {};
  if (msg.shard >= slices_.size())
    return make_error(errc::protocol,
                      fmt::format("{}: params from unknown shard {} (the run has {} shards)", who(),
                                  msg.shard, slices_.size()));
  const slice& s = slices_[msg.shard];
  if (msg.data.values.size() != s.size)
    return make_error(errc::protocol,
                      fmt::format("{}: params from shard {} have {} values, the shard owns {}",
                                  who(), msg.shard, msg.data.values.size(), s.size));
  if (waiting_ == 0 || have_[msg.shard])
    return make_error(errc::protocol, fmt::format("{}: unexpected params from shard {} (version "
                                                  "{}): not waiting for them",
                                                  who(), msg.shard, msg.version));
  std::copy(msg.data.values.begin(), msg.data.values.end(),
            params_target().begin() + static_cast<std::ptrdiff_t>(s.offset));
  versions_[msg.shard] = msg.version;
  have_[msg.shard] = true;
  if (--waiting_ == 0) {
    std::fill(have_.begin(), have_.end(), false);
    go(out);
  }
  return {};
}

expected<void> worker_core::compute(outbox& out) {
  if (finished_) return {};
  if (!ready_)
    return make_error(errc::protocol,
                      fmt::format("{}: compute() while waiting for params ({} of {} shards "
                                  "missing)",
                                  who(), waiting_, slices_.size()));
  ready_ = false;
  return step(out);
}

expected<void> worker_core::on_stop(const stop&, outbox& out) {
  if (!finished_) done(out);
  return {};
}

expected<double> worker_core::gradient(std::span<const float> at) {
  const auto batch = batches_.next();
  const core::rng_key key{setup_.run.seed, setup_.id, computed_, core::rng_stream::grad_noise};
  const double u = setup_.source->minibatch(at, batch, key, grad_.span());
  if (!std::isfinite(u))
    return make_error(
        errc::diverged,
        fmt::format("diverged at {}'s gradient {}: the potential Û(θ) is {}", who(), computed_, u));
  ++computed_;
  return u;
}

void worker_core::pull_all(outbox& out) {
  for (shard_id k = 0; k < slices_.size(); ++k)
    out.send.push_back({master_shard(k), pull{setup_.id, k, versions_[k]}});
  await_params();
}

}  // namespace sgmc::protocols::detail
