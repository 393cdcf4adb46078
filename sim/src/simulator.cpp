// The simulator: building its state, the event loop, and the masters' side (sim_state.hpp).
#include "sgmc/sim/simulator.hpp"

#include "sgmc/engine/protocol_dispatch.hpp"
#include "sgmc/engine/trace_points.hpp"
#include "sgmc/sim/timing.hpp"
#include "sim_state.hpp"

#include <fmt/format.h>

#include <utility>

namespace sgmc::sim {
namespace {

using protocols::endpoint;

/// [sim] seed, or the run's seed when it is 0.
std::uint64_t sim_seed(const engine::sim_params& sim, const engine::run_plan& plan) {
  return sim.seed != 0 ? sim.seed : plan.run.seed;
}

}  // namespace

simulator::state::state(const engine::run_plan& plan, const engine::sim_params& sim,
                        engine::sample_sink& sink, sim_options options, engine::run_parts parts)
    : sim_(sim),
      seed_(sim_seed(sim, plan)),
      sink_(sink),
      opt_(std::move(options)),
      parts_(std::move(parts)),
      collector_(protocols::collector::for_protocol(plan.protocol, parts_.dim)),
      net_(sim, plan.staleness, seed_, plan.run.seed, plan.protocol.shards, plan.protocol.workers),
      instant_service_(!is_random(sim.master_service) && to_vtime(sim.master_service.a) == 0) {
  const auto shards = plan.protocol.shards;
  const auto workers = plan.protocol.workers;
  engine::injector probe(plan.staleness, plan.run.seed, 0);
  straggler_.resize(workers);
  for (std::uint32_t w = 0; w < workers; ++w) straggler_[w] = probe.straggler_factor(w);
  busy_.assign(workers, 0);
  pending_.assign(workers, 0);
  inbox_.resize(shards);
  serving_.assign(shards, 0);
  served_.assign(shards, 0);
  if (probe.delays_versions()) {
    for (std::uint32_t k = 0; k < shards; ++k) {
      version_delay_.emplace_back(plan.staleness, plan.run.seed, k);
      history_.emplace_back(version_delay_.back().history_depth());
    }
  }
}

expected<std::unique_ptr<simulator>> simulator::make(const engine::run_plan& plan,
                                                     const engine::sim_params& sim,
                                                     engine::sample_sink& sink,
                                                     sim_options options) {
  if (auto ok = engine::validate(sim); !ok) return unexpected(ok.error());
  auto parts = engine::make_run_parts(plan, sink);
  if (!parts) return unexpected(parts.error());
  auto s = std::make_unique<state>(plan, sim, sink, std::move(options), std::move(*parts));
  return std::unique_ptr<simulator>(new simulator(std::move(s)));
}

simulator::simulator(std::unique_ptr<state> s) : s_(std::move(s)) {}
simulator::~simulator() = default;

expected<sim_result> simulator::run() {
  auto& s = *s_;
  auto fail = [&](const error& e) -> expected<sim_result> {
    s.sink_.on_error(e);
    return unexpected(e);
  };
  if (auto ok = s.start(); !ok) return fail(ok.error());
  vtime now = 0;
  while (!s.queue_.empty()) {
    auto [t, e] = s.queue_.pop();
    now = t;
    ++s.events_;
    if (auto ok = s.run_event(t, e); !ok) return fail(ok.error());
  }
  for (const auto& m : s.parts_.masters)
    if (!m->finished())
      return fail({errc::protocol,
                   fmt::format("simulation: no events left at {} s but master version {} of {} "
                               "(the protocol waits for a message that never comes)",
                               static_cast<double>(now) * 1e-9, m->version(),
                               s.parts_.masters.front()->version())});
  sim_result r;
  r.report = s.report(now);
  r.events = s.events_;
  r.messages = s.messages_;
  r.end = now;
  r.applied = std::move(s.applied_);
  if (s.opt_.clock != nullptr) s.opt_.clock->set(static_cast<double>(now) * 1e-9);
  if (auto ok = s.sink_.on_finish(r.report); !ok) return unexpected(ok.error());
  return r;
}

expected<void> simulator::state::start() {
  protocols::outbox out;
  for (protocols::shard_id k = 0; k < parts_.masters.size(); ++k) {
    if (auto ok = parts_.masters[k]->start(out); !ok) return ok;
    master_sends(0, k, out);
    out.clear();
  }
  for (protocols::worker_id w = 0; w < parts_.workers.size(); ++w) {
    if (auto ok = parts_.workers[w]->start(out); !ok) return ok;
    worker_sends(0, w, out);
    if (out.compute)
      if (auto ok = start_compute(0, w); !ok) return ok;
    out.clear();
  }
  return {};
}

expected<void> simulator::state::run_event(vtime t, sim_event& e) {
  using role = endpoint::role;
  switch (e.what) {
    case sim_event::kind::compute_done:
      return compute_done(t, e.from.index, e.out);
    case sim_event::kind::service_done:
      master_sends(t, e.from.index, e.out);
      serving_[e.from.index] = 0;
      return serve_next(t, e.from.index);
    case sim_event::kind::arrive:
      break;
  }
  switch (e.env.to.who) {
    case role::master:
      return arrive_master(t, e.from, e.env);
    case role::worker:
      return arrive_worker(t, e.from, e.env);
    case role::collector:
      return arrive_collector(t, e.from, e.env);
  }
  return {};
}

void simulator::state::send(vtime t, const endpoint& from, protocols::envelope& env) {
  const bool is_push = std::holds_alternative<protocols::push>(env.msg) ||
                       std::holds_alternative<protocols::exchange>(env.msg);
  const std::uint64_t bytes =
      std::visit([](const auto& m) { return engine::bytes_of(m); }, env.msg);
  const vtime at = net_.send(t, from, env.to, bytes, is_push);
  if (opt_.trace != nullptr) trace(t, from, env.to, env.msg, engine::trace_direction::sent);
  ++messages_;
  sim_event e;
  e.from = from;
  e.env = std::move(env);
  queue_.push(at, std::move(e));
}

void simulator::state::trace(vtime t, const endpoint& me, const endpoint& peer,
                             const protocols::message& msg, engine::trace_direction dir,
                             std::int64_t staleness) {
  engine::trace_event r;
  std::visit(
      [&](const auto& m) {
        r.type = engine::type_of(m);
        r.bytes = engine::bytes_of(m);
        r.version = engine::version_of(m);
      },
      msg);
  r.t_ns = t;
  r.actor = engine::to_trace_actor(me);
  r.peer = engine::to_trace_actor(peer);
  r.dir = dir;
  r.staleness = staleness;
  opt_.trace->record(r);
}

expected<void> simulator::state::arrive_master(vtime t, const endpoint& from,
                                               protocols::envelope& env) {
  const protocols::shard_id k = env.to.index;
  if (k >= parts_.masters.size())
    return make_error(errc::protocol, fmt::format("a message to master shard {}, which does not "
                                                  "exist",
                                                  k));
  if (parts_.masters[k]->finished()) return {};  // in flight when the run ended: dropped
  if (instant_service_) {
    protocols::outbox out;
    if (auto ok = handle_master(t, k, from, env.msg, out); !ok) return ok;
    master_sends(t, k, out);
    return {};
  }
  inbox_[k].emplace_back(from, std::move(env));
  return serving_[k] != 0 ? expected<void>{} : serve_next(t, k);
}

expected<void> simulator::state::serve_next(vtime t, protocols::shard_id k) {
  if (parts_.masters[k]->finished()) inbox_[k].clear();  // the rest came too late
  if (inbox_[k].empty()) return {};
  auto [from, env] = std::move(inbox_[k].front());
  inbox_[k].pop_front();
  sim_event e;
  e.what = sim_event::kind::service_done;
  e.from = protocols::master_shard(k);
  if (auto ok = handle_master(t, k, from, env.msg, e.out); !ok) return ok;
  serving_[k] = 1;
  queue_.push(t + draw(sim_.master_service, seed_, draw_purpose::service, k, served_[k]++),
              std::move(e));
  return {};
}

expected<void> simulator::state::handle_master(vtime t, protocols::shard_id k, const endpoint& from,
                                               const protocols::message& msg,
                                               protocols::outbox& out) {
  auto& m = *parts_.masters[k];
  if (m.finished()) return {};  // in flight when the run ended
  if (auto ok = engine::dispatch(m, msg, out); !ok) return ok;
  std::int64_t staleness = -1;
  for (const auto& a : out.applied) {
    stats_.add(a.staleness());
    if (opt_.keep_applied) applied_.push_back(a);
    staleness = static_cast<std::int64_t>(a.staleness());
  }
  if (opt_.trace != nullptr)
    trace(t, protocols::master_shard(k), from, msg, engine::trace_direction::received, staleness);
  if (!history_.empty()) {
    history_[k].keep(m.version(), m.theta());
    for (auto& env : out.send)
      if (auto* p = std::get_if<protocols::theta_reply>(&env.msg))
        if (env.to.who == endpoint::role::worker)
          history_[k].serve(*p, version_delay_[k].next_version_delay());
  }
  return {};
}

void simulator::state::master_sends(vtime t, protocols::shard_id k, protocols::outbox& out) {
  for (auto& env : out.send) send(t, protocols::master_shard(k), env);
  if (k == 0 && opt_.on_progress) {
    const auto v = parts_.masters[0]->version();
    if (v >= last_progress_ + parts_.progress_every) {
      last_progress_ = v;
      opt_.on_progress(v);
    }
  }
}

engine::run_report simulator::state::report(vtime end) const {
  engine::run_report r;
  for (const auto& m : parts_.masters) {
    r.versions.push_back(m->version());
    const auto n = m->rejected();
    engine::merge_rejected(r.rejected, {n.begin(), n.end()});
  }
  for (const auto& w : parts_.workers) r.gradients.push_back(w->computed());
  r.staleness = stats_;
  r.draws = draws_;
  r.wall_seconds = static_cast<double>(end) * 1e-9;
  return r;
}

}  // namespace sgmc::sim
