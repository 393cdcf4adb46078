#include "elastic_worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::protocols::detail {

elastic_worker::elastic_worker(worker_setup setup)
    : worker_core(std::move(setup)), centre_(setup_.dim) {
  centre_.assign(setup_.theta0);
}

expected<void> elastic_worker::start(outbox& out) {
  if (resend_) {
    resend_ = false;
    exchange_all(out);
    if (local_steps_ >= setup_.run.steps)
      done(out);
    else
      await_params();
    return {};
  }
  if (finished()) {
    out.finished = true;
    return {};
  }
  go(out);
  return {};
}

worker_chain elastic_worker::save_chain() const {
  worker_chain c = worker_core::save_chain();
  c.kernel_state = setup_.kernel->save_state();
  c.local_steps = local_steps_;
  c.centre.assign(centre_.data(), centre_.data() + centre_.size());
  c.centre_versions = versions_;
  // Waiting for the centre means the exchange after local_steps_ went out; a finished worker's
  // last exchange is pending until its master says stop (the chain does not wait for it).
  c.pending = waiting() && !finished();
  return c;
}

expected<void> elastic_worker::restore_chain(const worker_chain& chain) {
  auto bad = [&](const std::string& what) {
    return make_error(errc::invalid_argument, fmt::format("{}: the saved chain {}", who(), what));
  };
  if (chain.finished && !chain.pending) {  // over (a chain a checkpoint saw end holds no θ)
    local_steps_ = chain.local_steps;
    computed_ = std::max(computed_, chain.computed);
    restore_finished();
    return {};
  }
  if (chain.centre.size() != setup_.dim)
    return bad(
        fmt::format("has a centre of {} values, dim is {}", chain.centre.size(), setup_.dim));
  if (chain.centre_versions.size() != versions_.size())
    return bad(fmt::format("names {} shards' centre versions, the run has {}",
                           chain.centre_versions.size(), versions_.size()));
  if (chain.local_steps > setup_.run.steps)
    return bad(fmt::format("is at local step {}, past run.steps = {}", chain.local_steps,
                           setup_.run.steps));
  if (!setup_.kernel->load_state(chain.kernel_state))
    return bad(fmt::format("has a kernel state of {} values the {} kernel refuses",
                           chain.kernel_state.size(), setup_.kernel->name()));
  if (auto ok = resume(chain.computed, chain.theta); !ok) return ok;
  centre_.assign(chain.centre);
  versions_ = chain.centre_versions;
  local_steps_ = chain.local_steps;
  resend_ = chain.pending;  // finished chains returned above: this one is not over
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
