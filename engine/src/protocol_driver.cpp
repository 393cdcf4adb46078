#include "sgmc/engine/protocol_driver.hpp"

#include "sgmc/engine/protocol_dispatch.hpp"

#include <fmt/format.h>

#include <utility>

namespace sgmc::engine {

protocol_driver::protocol_driver(protocol_driver_config cfg)
    : cfg_(std::move(cfg)), collector_(protocols::collector::for_protocol(cfg_.protocol, 0)) {}

expected<std::unique_ptr<protocol_driver>> protocol_driver::make(protocol_driver_config cfg) {
  std::unique_ptr<protocol_driver> d(new protocol_driver(std::move(cfg)));
  if (auto ok = d->build(); !ok) return unexpected(ok.error());
  return d;
}

expected<void> protocol_driver::build() {
  const auto& p = cfg_.protocol;
  const std::size_t dim = cfg_.theta0.size();
  collector_ = protocols::collector::for_protocol(p, dim);
  const bool master_kernel = p.kind == protocols::protocol_kind::sync ||
                             p.kind == protocols::protocol_kind::async ||
                             p.kind == protocols::protocol_kind::ssp;
  const auto sched = samplers::schedule::constant(cfg_.sampler.step_size);
  for (protocols::shard_id k = 0; k < p.shards; ++k) {
    protocols::master_setup s{p, cfg_.run, k, dim, cfg_.theta0, nullptr, sched};
    if (master_kernel) {
      auto kernel =
          samplers::make_sampler(cfg_.sampler, protocols::shard_slice(dim, p.shards, k).size);
      if (!kernel) return unexpected(kernel.error());
      s.kernel = std::move(*kernel);
    }
    auto m = protocols::make_master(std::move(s));
    if (!m) return unexpected(m.error());
    masters_.push_back(std::move(*m));
  }
  for (protocols::worker_id i = 0; i < p.workers; ++i) {
    sources_.push_back(cfg_.source(i));
    protocols::worker_setup s;
    s.protocol = p;
    s.run = cfg_.run;
    s.id = i;
    s.dim = dim;
    s.source = sources_.back().get();
    if (cfg_.data_size > 0)
      s.rows = protocols::worker_rows(cfg_.data_size, p.workers, i, p.shard_data, cfg_.run.seed);
    s.batch_size = cfg_.batch_size;
    s.theta0 = cfg_.theta0;
    s.schedule = sched;
    if (!master_kernel) {
      auto kernel = samplers::make_sampler(cfg_.sampler, dim);
      if (!kernel) return unexpected(kernel.error());
      s.kernel = std::move(*kernel);
    }
    auto w = protocols::make_worker(std::move(s));
    if (!w) return unexpected(w.error());
    workers_.push_back(std::move(*w));
  }
  held_.assign(p.workers, false);
  lost_.assign(p.workers, false);
  history_.assign(p.shards, version_history(kLagHistory));
  return {};
}

void protocol_driver::take(const protocols::endpoint& from, protocols::outbox& out) {
  for (auto& e : out.send) {
    if (params_lag_ > 0 && from.who == protocols::endpoint::role::master)
      if (auto* p = std::get_if<protocols::theta_reply>(&e.msg))
        history_[p->shard].keep(p->version, p->data.values);
    queue_.push_back(driver_event{from, false, std::move(e)});
  }
  applied_.insert(applied_.end(), out.applied.begin(), out.applied.end());
  if (out.compute) queue_.push_back(driver_event{from, true, {from, protocols::stop{}}});
  out.clear();
}

expected<void> protocol_driver::start() {
  protocols::outbox out;
  for (protocols::shard_id k = 0; k < masters_.size(); ++k) {
    if (auto ok = masters_[k]->start(out); !ok) return ok;
    take(protocols::master_shard(k), out);
  }
  for (protocols::worker_id i = 0; i < workers_.size(); ++i) {
    if (auto ok = workers_[i]->start(out); !ok) return ok;
    take(protocols::worker_at(i), out);
  }
  return {};
}

bool protocol_driver::is_held(const driver_event& e) const {
  return e.from.who == protocols::endpoint::role::worker && held_[e.from.index];
}

expected<bool> protocol_driver::step() {
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (is_held(queue_[i])) continue;
    if (auto ok = deliver(i); !ok) return unexpected(ok.error());
    return true;
  }
  return false;
}

expected<void> protocol_driver::run(std::size_t max_events) {
  for (std::size_t n = 0; n < max_events; ++n) {
    auto more = step();
    if (!more) return unexpected(more.error());
    if (!*more) return {};
  }
  return make_error(errc::timeout, fmt::format("driver: still busy after {} events", max_events));
}

expected<void> protocol_driver::deliver(std::size_t index) {
  driver_event e = std::move(queue_[index]);
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
  return run_event(std::move(e));
}

expected<bool> protocol_driver::deliver_first(
    const std::function<bool(const driver_event&)>& pred) {
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (!pred(queue_[i])) continue;
    if (auto ok = deliver(i); !ok) return unexpected(ok.error());
    return true;
  }
  return false;
}

expected<void> protocol_driver::run_event(driver_event e) {
  protocols::outbox out;
  if (e.compute) {
    const protocols::worker_id i = e.from.index;
    if (lost_[i]) return {};
    if (auto ok = workers_[i]->compute(out); !ok) return ok;
    take(e.from, out);
    return {};
  }
  const protocols::endpoint to = e.env.to;
  switch (to.who) {
    case protocols::endpoint::role::master:
      if (auto ok = to_master(e.env.msg, out, to.index); !ok) return ok;
      break;
    case protocols::endpoint::role::worker:
      if (lost_[to.index]) return {};
      if (auto ok = to_worker(std::move(e.env.msg), out, to.index); !ok) return ok;
      break;
    case protocols::endpoint::role::collector:
      return to_collector(e.env.msg);
  }
  take(to, out);
  return {};
}

expected<void> protocol_driver::to_master(const protocols::message& m, protocols::outbox& out,
                                          protocols::shard_id k) {
  return dispatch(*masters_[k], m, out);
}

expected<void> protocol_driver::to_worker(protocols::message m, protocols::outbox& out,
                                          protocols::worker_id i) {
  protocols::worker& w = *workers_[i];
  if (auto* x = std::get_if<protocols::theta_reply>(&m)) {
    if (params_lag_ > 0) {
      // θ from K versions back: the newest the shard sent at or before v − K.
      history_[x->shard].serve(*x, params_lag_);
    }
    return w.on_theta_reply(*x, out);
  }
  return dispatch(w, m, out);
}

expected<void> protocol_driver::to_collector(const protocols::message& m) {
  if (std::holds_alternative<protocols::stop>(m)) {
    collector_stopped_ = true;
    return {};
  }
  const auto* s = std::get_if<protocols::sample>(&m);
  if (s == nullptr)
    return make_error(errc::protocol,
                      fmt::format("driver: message {} sent to the collector", m.index()));
  if (auto ok = collector_.on_sample(*s, ready_); !ok) return ok;
  for (auto& d : ready_) {
    if (cfg_.on_draw)
      cfg_.on_draw(d);
    else
      draws_.push_back(std::move(d));
  }
  ready_.clear();
  return {};
}

void protocol_driver::hold(protocols::worker_id w) { held_[w] = true; }
void protocol_driver::release(protocols::worker_id w) { held_[w] = false; }

expected<void> protocol_driver::lose(protocols::worker_id w) {
  lost_[w] = true;
  std::erase_if(queue_, [&](const driver_event& e) {
    return (e.from.who == protocols::endpoint::role::worker && e.from.index == w) ||
           (e.env.to.who == protocols::endpoint::role::worker && e.env.to.index == w);
  });
  protocols::outbox out;
  for (protocols::shard_id k = 0; k < masters_.size(); ++k) {
    if (auto ok = masters_[k]->on_worker_lost(w, out); !ok) return ok;
    take(protocols::master_shard(k), out);
  }
  return {};
}

std::vector<float> protocol_driver::theta() const {
  std::vector<float> t;
  for (const auto& m : masters_) t.insert(t.end(), m->theta().begin(), m->theta().end());
  return t;
}

bool protocol_driver::finished() const {
  for (const auto& m : masters_)
    if (!m->finished()) return false;
  return true;
}

}  // namespace sgmc::engine
