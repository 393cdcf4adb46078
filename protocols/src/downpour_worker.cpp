#include "downpour_worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::protocols::detail {

downpour_worker::downpour_worker(worker_setup setup)
    : worker_core(std::move(setup)), before_(setup_.dim), delta_(setup_.dim, 0.0f) {}

expected<void> downpour_worker::start(outbox& out) {
  if (computed_ > 0)
    pull_all(out);
  else
    go(out);
  return {};
}

expected<void> downpour_worker::step(outbox& out) {
  auto u = gradient(theta_.span());
  if (!u) return unexpected(u.error());
  const std::uint64_t t = local_steps_;
  const double eps = setup_.schedule.at(t);
  const samplers::step_info info{
      t, static_cast<float>(eps),
      core::rng_key{setup_.run.seed, local_chain(setup_.id), t, core::rng_stream::noise}, 0};
  std::copy_n(theta_.data(), theta_.size(), before_.data());
  if (!setup_.kernel->step(theta_.span(), grad_.span(), info))
    return make_error(errc::diverged,
                      fmt::format("diverged at {}'s local step {}: θ turned non-finite in the {} "
                                  "update (step size {:g}, Û(θ) = {:g})",
                                  who(), t, setup_.kernel->name(), eps, *u));
  float* d = delta_.data();
  const float* now = theta_.data();
  const float* was = before_.data();
  for (std::size_t j = 0; j < delta_.size(); ++j) d[j] += now[j] - was[j];
  ++local_steps_;
  if (local_steps_ % setup_.protocol.push_every == 0) {
    for (shard_id k = 0; k < slices_.size(); ++k) {
      const auto part = delta_.span().subspan(slices_[k].offset, slices_[k].size);
      out.send.push_back(
          {master_shard(k), push{setup_.id, k, versions_[k], pushes_, push_kind::update, *u,
                                 payload{{part.begin(), part.end()}}}});
    }
    ++pushes_;
    delta_.fill(0.0f);
  }
  if (local_steps_ % setup_.protocol.pull_every == 0)
    pull_all(out);
  else
    go(out);
  return {};
}

}  // namespace sgmc::protocols::detail
