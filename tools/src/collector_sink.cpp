#include "collector_sink.hpp"

#include <fmt/format.h>

namespace sgmc::tools::detail {

expected<std::unique_ptr<collector_sink>> collector_sink::create(const context& ctx) {
  std::unique_ptr<collector_sink> sink(new collector_sink(ctx));
  sink->out_.resize(ctx.chains);
  sink->last_draw_.resize(ctx.chains);
  sink->summaries_.resize(ctx.chains);
  for (std::uint32_t k = 0; k < ctx.chains; ++k) {
    auto& c = sink->out_[k];
    auto& s = sink->summaries_[k];
    s.chain = k;
    s.samples_path = fmt::format("{}/chain-{}.npy", ctx.samples_dir, k);
    auto npy = npy_writer::create(s.samples_path, ctx.model.dim());
    if (!npy) return unexpected(npy.error());
    c.npy.emplace(std::move(*npy));
    c.eval = evaluator::make(ctx.model, ctx.test);
    c.worker = std::make_unique<eval_worker>(*c.eval, ctx.metrics, ctx.prog);
    c.next_eval = ctx.cfg.run.eval_every;
  }
  return sink;
}

void collector_sink::record(std::uint32_t chain, bool theta_is_draw, std::span<const float> theta) {
  auto& c = out_[chain];
  metrics_record meta;
  meta.chain = chain;
  meta.step = c.last_step;
  meta.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx_.start).count();
  meta.step_size = ctx_.sched.at(c.last_step == 0 ? 0 : c.last_step - 1);
  meta.potential = c.last_potential;
  meta.draws = summaries_[chain].draws;
  c.worker->record(meta, theta, theta_is_draw);
  c.last_recorded = true;
}

expected<void> collector_sink::on_draw(const protocols::draw& d) {
  if (d.chain >= out_.size() || d.theta.size() != ctx_.model.dim())
    return make_error(errc::protocol,
                      fmt::format("collector: draw {} of chain {} does not fit this run ({} "
                                  "chains of dimension {}; got {} values)",
                                  d.index, d.chain, out_.size(), ctx_.model.dim(), d.theta.size()));
  auto& c = out_[d.chain];
  if (auto failed = c.worker->failure()) return unexpected(*failed);
  if (auto r = c.npy->append(d.theta); !r) return r;
  summaries_[d.chain].draws = c.npy->rows();
  summaries_[d.chain].steps = d.step;
  c.worker->add_draw(d.theta);
  c.last_step = d.step;
  c.last_potential = d.potential;
  c.last_recorded = false;
  last_draw_[d.chain] = d.theta;
  if (d.step >= c.next_eval) {
    record(d.chain, true, d.theta);
    const std::uint64_t every = ctx_.cfg.run.eval_every;
    c.next_eval = (d.step / every + 1) * every;
  }
  return {};
}

expected<void> collector_sink::finish_all() {
  std::optional<error> first;
  for (std::uint32_t k = 0; k < out_.size(); ++k) {
    auto& c = out_[k];
    if (!c.worker) continue;
    if (auto r = c.worker->finish(); !r && !first) first = r.error();
    summaries_[k].metrics = c.worker->last_values();
    c.worker.reset();
  }
  if (first) return unexpected(*first);
  return {};
}

expected<void> collector_sink::on_finish(const actors::run_summary&) {
  for (std::uint32_t k = 0; k < out_.size(); ++k)
    if (!out_[k].last_recorded && !last_draw_[k].empty()) record(k, true, last_draw_[k]);
  return finish_all();
}

void collector_sink::on_error(const error&) {
  // Every draw handed on so far is in the .npy; write the metrics queued so far.
  (void)finish_all();
}

}  // namespace sgmc::tools::detail
