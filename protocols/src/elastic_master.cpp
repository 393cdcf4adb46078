#include "elastic_master.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::protocols::detail {

elastic_master::elastic_master(master_setup setup)
    : master_core(std::move(setup)), done_(live_.size(), false) {}

master_state elastic_master::save() const {
  master_state s = master_core::save();
  s.exchanged.resize(last_seq_.size(), 0);
  for (std::size_t i = 0; i < last_seq_.size(); ++i)
    if (last_seq_[i]) s.exchanged[i] = *last_seq_[i];
  return s;
}

expected<void> elastic_master::restore(const master_state& state) {
  if (state.exchanged.size() > done_.size())
    return make_error(errc::invalid_argument,
                      fmt::format("{}: the saved state names exchanges of {} workers, the run has "
                                  "{}",
                                  who(), state.exchanged.size(), done_.size()));
  if (auto ok = master_core::restore(state); !ok) return ok;
  for (std::size_t i = 0; i < state.exchanged.size(); ++i) {
    if (state.exchanged[i] > 0) last_seq_[i] = state.exchanged[i];
    done_[i] = state.exchanged[i] >= setup_.run.steps;
  }
  return {};
}

expected<void> elastic_master::start(outbox& out) {
  if (std::find(done_.begin(), done_.end(), true) != done_.end()) finish_if_done(out);
  return {};
}

expected<void> elastic_master::handle_exchange(const exchange& msg, outbox& out) {
  if (done_[msg.worker])
    return make_error(errc::protocol, fmt::format("{}: exchange from worker {} after its last one",
                                                  who(), msg.worker));
  const auto alpha = static_cast<float>(setup_.protocol.elastic_alpha);
  const auto& x = msg.theta.values;
  for (std::size_t j = 0; j < theta_.size(); ++j)
    theta_[j] = theta_[j] + alpha * (x[j] - theta_[j]);
  if (auto ok = check_finite("an elastic exchange"); !ok) return ok;
  out.applied.push_back({msg.worker, setup_.shard, msg.version, version_});
  ++version_;
  send_params(msg.worker, out);
  if (msg.step >= setup_.run.steps) {
    done_[msg.worker] = true;
    finish_if_done(out);
  }
  return {};
}

void elastic_master::answer_rejected(worker_id worker, std::uint64_t step, bool exchange,
                                     outbox& out) {
  send_params(worker, out);
  if (exchange && step >= setup_.run.steps) {
    done_[worker] = true;
    finish_if_done(out);
  }
}

expected<void> elastic_master::handle_lost(worker_id, outbox& out) {
  // Workers that finished and then left (their process ended) still count as done.
  const bool any_done = std::find(done_.begin(), done_.end(), true) != done_.end();
  if (!any_done) {
    if (auto ok = require_workers(); !ok) return ok;
  }
  finish_if_done(out);
  return {};
}

expected<void> elastic_master::handle_joined(worker_id worker, outbox&) {
  return make_error(errc::protocol,
                    fmt::format("{}: worker {} joined during the run: an elastic worker's chain "
                                "cannot rejoin or start late",
                                who(), worker));
}

void elastic_master::finish_if_done(outbox& out) {
  for (std::size_t i = 0; i < live_.size(); ++i)
    if (live_[i] && !done_[i]) return;
  finish(out, "done");
}

}  // namespace sgmc::protocols::detail
