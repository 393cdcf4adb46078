#include "master_core.hpp"

#include "sgmc/core/assert.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>

namespace sgmc::protocols::detail {

master_core::master_core(master_setup setup)
    : setup_(std::move(setup)),
      slice_(shard_slice(setup_.dim, setup_.protocol.shards, setup_.shard)),
      live_(setup_.protocol.workers, true),
      live_count_(setup_.protocol.workers),
      potential_(std::numeric_limits<double>::quiet_NaN()),
      last_seq_(setup_.protocol.workers) {
  const auto init = slice_of(setup_.theta0, slice_);
  theta_.assign(init.begin(), init.end());
}

std::string master_core::who() const {
  return fmt::format("{} master shard {}", to_string(setup_.protocol.kind), setup_.shard);
}

expected<void> master_core::start(outbox&) { return {}; }

master_state master_core::save() const {
  master_state s;
  s.version = version_;
  s.theta = theta_;
  if (setup_.kernel) s.kernel_state = setup_.kernel->save_state();
  s.potential = potential_;
  return s;
}

expected<void> master_core::restore(const master_state& state) {
  if (state.theta.size() != theta_.size())
    return make_error(errc::invalid_argument,
                      fmt::format("{}: the saved slice has {} values, the shard owns {}", who(),
                                  state.theta.size(), theta_.size()));
  if (state.version >= setup_.run.steps)
    return make_error(errc::invalid_argument,
                      fmt::format("{}: the saved version {} is not before run.steps = {}", who(),
                                  state.version, setup_.run.steps));
  if (setup_.kernel ? !setup_.kernel->load_state(state.kernel_state) : !state.kernel_state.empty())
    return make_error(errc::invalid_argument,
                      fmt::format("{}: the saved kernel state ({} values) does not fit the {} "
                                  "kernel",
                                  who(), state.kernel_state.size(),
                                  setup_.kernel ? setup_.kernel->name() : "absent"));
  version_ = state.version;
  theta_ = state.theta;
  potential_ = state.potential;
  return check_finite("restoring a checkpoint");
}

expected<void> master_core::check_worker(worker_id worker, const char* what) const {
  if (worker >= live_.size())
    return make_error(errc::protocol,
                      fmt::format("{}: {} from unknown worker {} (the run has {} workers)", who(),
                                  what, worker, live_.size()));
  if (!live_[worker])
    return make_error(errc::protocol,
                      fmt::format("{}: {} from worker {}, which was lost", who(), what, worker));
  return {};
}

expected<void> master_core::check_shard(shard_id shard, const char* what, worker_id worker) const {
  if (shard != setup_.shard)
    return make_error(errc::protocol, fmt::format("{}: {} from worker {} is for shard {}", who(),
                                                  what, worker, shard));
  return {};
}

std::optional<rejection> master_core::screen(worker_id worker, std::uint64_t seq, version_t version,
                                             std::span<const float> values, bool exchange) const {
  const char* what = exchange ? "exchange" : "push";
  const char* counter = exchange ? "step" : "seq";
  const auto reject = [&](rejection_reason reason, std::string detail) {
    return rejection{
        worker, setup_.shard, reason,
        fmt::format("{}: {} {} {} from worker {} {}", who(), what, counter, seq, worker, detail)};
  };
  if (const auto& last = last_seq_[worker]; last && seq <= *last) {
    if (seq == *last) return reject(rejection_reason::duplicate, "was accepted before (a replay)");
    return reject(rejection_reason::out_of_order,
                  fmt::format("is older than its last accepted {} {}", counter, *last));
  }
  if (version > version_)
    return reject(
        rejection_reason::ahead,
        fmt::format("is built on version {}, ahead of the shard's version {}", version, version_));
  if (values.size() != slice_.size)
    return reject(rejection_reason::wrong_dimension,
                  fmt::format("has {} values, the shard owns {}", values.size(), slice_.size));
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      return reject(rejection_reason::non_finite,
                    fmt::format("has {} at θ index {}", values[i], slice_.offset + i));
  return std::nullopt;
}

expected<void> master_core::reject(rejection r, std::uint64_t seq, bool exchange, outbox& out) {
  ++rejected_[static_cast<std::size_t>(r.reason)];
  const auto reason = r.reason;
  const auto worker = r.worker;
  out.rejected.push_back(std::move(r));
  // A replay, an older or an ahead message is not the worker's current one: it gets no answer.
  if (reason == rejection_reason::non_finite || reason == rejection_reason::wrong_dimension ||
      reason == rejection_reason::malformed) {
    // The worker moves on: its next message must be newer than this one.
    last_seq_[worker] = seq;
    answer_rejected(worker, seq, exchange, out);
  }
  return {};
}

void master_core::answer_rejected(worker_id worker, std::uint64_t, bool, outbox& out) {
  send_params(worker, out);
}

expected<void> master_core::on_push(const push& msg, outbox& out) {
  if (finished_) return {};  // in flight when the run ended
  if (auto ok = check_worker(msg.worker, "push"); !ok) return ok;
  if (auto ok = check_shard(msg.shard, "push", msg.worker); !ok) return ok;
  if (msg.kind != expected_kind())
    return make_error(
        errc::protocol,
        fmt::format("{}: push from worker {} carries {}, the protocol pushes {}", who(), msg.worker,
                    msg.kind == push_kind::gradient ? "a gradient" : "an update",
                    expected_kind() == push_kind::gradient ? "gradients" : "updates"));
  if (auto r = screen(msg.worker, msg.seq, msg.version, msg.data.values, false))
    return reject(std::move(*r), msg.seq, false, out);
  last_seq_[msg.worker] = msg.seq;
  return handle_push(msg, out);
}

expected<void> master_core::on_malformed(worker_id worker, std::uint64_t seq, bool exchange,
                                         const std::string& detail, outbox& out) {
  if (finished_) return {};
  if (auto ok = check_worker(worker, exchange ? "exchange" : "push"); !ok) return ok;
  if (const auto& last = last_seq_[worker]; last && seq <= *last) {
    // A replay of a message accepted before is refused as such, whatever its bytes.
    auto r = screen(worker, seq, 0, {}, exchange);
    return reject(std::move(*r), seq, exchange, out);
  }
  return reject({worker, setup_.shard, rejection_reason::malformed, detail}, seq, exchange, out);
}

expected<void> master_core::on_pull(const pull& msg, outbox& out) {
  if (finished_) return {};
  if (auto ok = check_worker(msg.worker, "pull"); !ok) return ok;
  if (msg.shard != setup_.shard)
    return make_error(errc::protocol, fmt::format("{}: pull from worker {} is for shard {}", who(),
                                                  msg.worker, msg.shard));
  return handle_pull(msg, out);
}

expected<void> master_core::on_exchange(const exchange& msg, outbox& out) {
  if (finished_) return {};
  if (auto ok = check_worker(msg.worker, "exchange"); !ok) return ok;
  if (auto ok = check_shard(msg.shard, "exchange", msg.worker); !ok) return ok;
  if (setup_.protocol.kind != protocol_kind::elastic) return handle_exchange(msg, out);
  if (auto r = screen(msg.worker, msg.step, msg.version, msg.theta.values, true))
    return reject(std::move(*r), msg.step, true, out);
  last_seq_[msg.worker] = msg.step;
  return handle_exchange(msg, out);
}

expected<void> master_core::on_worker_lost(worker_id worker, outbox& out) {
  if (worker >= live_.size())
    return make_error(errc::protocol, fmt::format("{}: unknown worker {} reported lost (the run "
                                                  "has {} workers)",
                                                  who(), worker, live_.size()));
  if (!live_[worker]) return {};  // reported twice: nothing more to do
  live_[worker] = false;
  --live_count_;
  if (finished_) return {};
  return handle_lost(worker, out);
}

expected<void> master_core::on_worker_joined(worker_id worker, outbox& out) {
  if (worker >= live_.size())
    return make_error(errc::protocol, fmt::format("{}: unknown worker {} joined (the run has {} "
                                                  "workers)",
                                                  who(), worker, live_.size()));
  if (finished_) {
    out.send.push_back({worker_at(worker), stop{"done"}});
    return {};
  }
  if (!live_[worker]) {
    live_[worker] = true;
    ++live_count_;
  }
  last_seq_[worker].reset();
  return handle_joined(worker, out);
}

expected<void> master_core::handle_push(const push& msg, outbox&) {
  return make_error(errc::protocol,
                    fmt::format("{}: unexpected push from worker {}", who(), msg.worker));
}

expected<void> master_core::handle_pull(const pull& msg, outbox& out) {
  send_params(msg.worker, out);
  return {};
}

expected<void> master_core::handle_exchange(const exchange& msg, outbox&) {
  return make_error(errc::protocol,
                    fmt::format("{}: unexpected exchange from worker {} (only elastic exchanges)",
                                who(), msg.worker));
}

expected<void> master_core::kernel_step(std::span<const float> grad) {
  SGMC_ASSERT(setup_.kernel != nullptr, "master_core: no kernel");
  const double eps = setup_.schedule.at(version_);
  const samplers::step_info info{
      version_, static_cast<float>(eps),
      core::rng_key{setup_.run.seed, 0, version_, core::rng_stream::noise}, slice_.offset};
  if (setup_.kernel->step(theta_, grad, info)) return {};
  return make_error(errc::diverged,
                    fmt::format("diverged at version {} on {}: θ turned non-finite in the {} "
                                "update (step size {:g}, last Û(θ) = {:g})",
                                version_, who(), setup_.kernel->name(), eps, potential_));
}

expected<void> master_core::check_finite(const char* after) const {
  for (std::size_t i = 0; i < theta_.size(); ++i) {
    if (!std::isfinite(theta_[i]))
      return make_error(errc::diverged,
                        fmt::format("diverged at version {} on {}: θ[{}] is {} after {}", version_,
                                    who(), slice_.offset + i, theta_[i], after));
  }
  return {};
}

void master_core::advance(outbox& out) {
  ++version_;
  const auto& run = setup_.run;
  if (version_ > run.burnin && (version_ - run.burnin) % run.thin == 0) {
    sample s;
    s.chain = 0;
    s.draw = (version_ - run.burnin) / run.thin - 1;
    s.step = version_;
    s.shard = setup_.shard;
    s.offset = slice_.offset;
    s.potential = potential_;
    // The update that made this version was applied by this event (async, ssp, downpour: one;
    // sync: every worker's, all with staleness 0).
    if (!out.applied.empty())
      s.staleness = static_cast<std::int64_t>(out.applied.back().staleness());
    s.theta.values = theta_;
    out.send.push_back({collector(), std::move(s)});
  }
  if (version_ >= run.steps) finish(out, "done");
}

void master_core::send_params(worker_id worker, outbox& out) const {
  out.send.push_back({worker_at(worker), theta_reply{setup_.shard, version_, payload{theta_}}});
}

void master_core::finish(outbox& out, const std::string& reason) {
  for (worker_id i = 0; i < live_.size(); ++i)
    if (live_[i]) out.send.push_back({worker_at(i), stop{reason}});
  out.send.push_back({collector(), stop{reason}});
  finished_ = true;
  out.finished = true;
}

expected<void> master_core::require_workers() const {
  if (live_count_ > 0) return {};
  return make_error(errc::protocol,
                    fmt::format("{}: all {} workers are lost at version {}; the run cannot go on",
                                who(), live_.size(), version_));
}

}  // namespace sgmc::protocols::detail
