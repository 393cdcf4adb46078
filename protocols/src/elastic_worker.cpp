#include "elastic_worker.hpp"

#include <fmt/format.h>

#include <utility>

namespace sgmc::protocols::detail {

elastic_worker::elastic_worker(worker_setup setup)
    : worker_core(std::move(setup)), centre_(setup_.dim) {
  centre_.assign(setup_.theta0);
}

expected<void> elastic_worker::start(outbox& out) {
  go(out);
  return {};
}

expected<void> elastic_worker::step(outbox& out) {
  auto u = gradient(theta_.span());
  if (!u) return unexpected(u.error());
  const auto rho = static_cast<float>(setup_.protocol.elastic_rho);
  float* g = grad_.data();
  const float* th = theta_.data();
  const float* c = centre_.data();
  for (std::size_t j = 0; j < grad_.size(); ++j) g[j] += rho * (th[j] - c[j]);
  const std::uint64_t t = local_steps_;
  const double eps = setup_.schedule.at(t);
  const samplers::step_info info{
      t, static_cast<float>(eps),
      core::rng_key{setup_.run.seed, local_chain(setup_.id), t, core::rng_stream::noise}, 0};
  if (!setup_.kernel->step(theta_.span(), grad_.span(), info))
    return make_error(errc::diverged,
                      fmt::format("diverged at {}'s local step {}: θ turned non-finite in the {} "
                                  "update (step size {:g}, Û(θ) = {:g})",
                                  who(), t, setup_.kernel->name(), eps, *u));
  const std::uint64_t n = ++local_steps_;
  const auto& run = setup_.run;
  if (n > run.burnin && (n - run.burnin) % run.thin == 0) {
    sample s;
    s.chain = setup_.id;
    s.draw = (n - run.burnin) / run.thin - 1;
    s.step = n;
    s.potential = *u;
    s.theta.values.assign(theta_.data(), theta_.data() + theta_.size());
    out.send.push_back({collector(), std::move(s)});
  }
  if (n % setup_.protocol.elastic_period == 0 || n >= run.steps) {
    exchange_all(out);
    if (n >= run.steps)
      done(out);
    else
      await_params();
    return {};
  }
  go(out);
  return {};
}

void elastic_worker::exchange_all(outbox& out) {
  for (shard_id k = 0; k < slices_.size(); ++k) {
    const auto part = theta_.span().subspan(slices_[k].offset, slices_[k].size);
    out.send.push_back({master_shard(k), exchange{setup_.id, k, local_steps_, versions_[k],
                                                  payload{{part.begin(), part.end()}}}});
  }
}

}  // namespace sgmc::protocols::detail
