// The simulator's workers and collector (sim_state.hpp).
#include "sgmc/engine/protocol_dispatch.hpp"
#include "sgmc/sim/timing.hpp"
#include "sim_state.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgmc::sim {

using protocols::endpoint;

expected<void> simulator::state::arrive_worker(vtime t, const endpoint& from,
                                               protocols::envelope& env) {
  const protocols::worker_id w = env.to.index;
  if (w >= parts_.workers.size())
    return make_error(errc::protocol,
                      fmt::format("a message to worker {}, which does not exist", w));
  if (opt_.trace != nullptr) trace(t, env.to, from, env.msg, engine::trace_direction::received);
  protocols::outbox out;
  if (auto ok = engine::dispatch(*parts_.workers[w], env.msg, out); !ok) return ok;
  worker_sends(t, w, out);
  if (out.compute) {
    if (busy_[w] != 0) {
      pending_[w] = 1;  // computing: the next compute starts when this one ends
      return {};
    }
    return start_compute(t, w);
  }
  return {};
}

void simulator::state::worker_sends(vtime t, protocols::worker_id w, protocols::outbox& out) {
  for (auto& env : out.send) send(t, protocols::worker_at(w), env);
}

expected<void> simulator::state::start_compute(vtime t, protocols::worker_id w) {
  auto& worker = *parts_.workers[w];
  if (worker.finished()) return {};
  const std::uint64_t n = worker.computed();
  vtime took = draw(sim_.compute, seed_, draw_purpose::compute, w, n);
  if (straggler_[w] != 1.0) took = to_vtime(static_cast<double>(took) * straggler_[w]);
  sim_event e;
  e.what = sim_event::kind::compute_done;
  e.from = protocols::worker_at(w);
  if (auto ok = worker.compute(e.out); !ok) return ok;
  busy_[w] = 1;
  queue_.push(t + took, std::move(e));
  return {};
}

expected<void> simulator::state::compute_done(vtime t, protocols::worker_id w,
                                              protocols::outbox& out) {
  busy_[w] = 0;
  const bool again = out.compute || pending_[w] != 0;
  pending_[w] = 0;
  worker_sends(t, w, out);
  if (again) return start_compute(t, w);
  return {};
}

expected<void> simulator::state::arrive_collector(vtime t, const endpoint& from,
                                                  const protocols::envelope& env) {
  if (opt_.trace != nullptr)
    trace(t, protocols::collector(), from, env.msg, engine::trace_direction::received);
  if (std::holds_alternative<protocols::stop>(env.msg)) {
    collector_stopped_ = true;
    return {};
  }
  const auto* s = std::get_if<protocols::sample>(&env.msg);
  if (s == nullptr)
    return make_error(errc::protocol, fmt::format("a {} message sent to the collector",
                                                  engine::message_name(env.msg)));
  if (auto ok = collector_.on_sample(*s, ready_); !ok) return ok;
  if (!ready_.empty() && opt_.clock != nullptr) opt_.clock->set(static_cast<double>(t) * 1e-9);
  for (auto& d : ready_) {
    ++draws_;
    if (auto ok = sink_.on_draw(d); !ok) {
      ready_.clear();
      return ok;
    }
  }
  ready_.clear();
  return {};
}

}  // namespace sgmc::sim
