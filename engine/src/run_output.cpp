#include "sgmc/engine/run_output.hpp"

#include "eval_worker.hpp"
#include "sgmc/engine/draw_stats.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc/engine/npy_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::engine {

struct chain_output::impl {
  std::optional<npy_writer> npy;
  std::optional<npy_writer> stats;  // rows of draw_stats, one per row of npy
  std::unique_ptr<evaluator> eval;
  std::unique_ptr<detail::eval_worker> worker;  // after eval: stops before eval goes
};

chain_output::chain_output(const output_context& ctx, std::uint32_t chain)
    : ctx_(ctx), impl_(std::make_unique<impl>()) {
  summary_.chain = chain;
  summary_.samples_path = (ctx.samples_dir / fmt::format("chain-{}.npy", chain)).string();
  next_eval_ = ctx.eval_every;
}

chain_output::~chain_output() { abandon(); }

expected<std::unique_ptr<chain_output>> chain_output::create(const output_context& ctx,
                                                             std::uint32_t chain,
                                                             const chain_resume* resume) {
  std::unique_ptr<chain_output> out(new chain_output(ctx, chain));
  const std::string& path = out->summary_.samples_path;
  const std::string stats_path = draw_stats_path(path).string();
  auto npy = resume ? npy_writer::reopen(path, ctx.model.dim(), resume->draws)
                    : npy_writer::create(path, ctx.model.dim());
  if (!npy) return unexpected(npy.error());
  auto stats = resume
                   ? npy_writer::reopen_records(stats_path, k_draw_stats_descr, k_draw_stats_bytes,
                                                resume->draws)
                   : npy_writer::create_records(stats_path, k_draw_stats_descr, k_draw_stats_bytes);
  if (!stats) return unexpected(stats.error());
  auto& s = *out->impl_;
  s.npy.emplace(std::move(*npy));
  s.stats.emplace(std::move(*stats));
  s.eval = evaluator::make(ctx.model, ctx.test);
  s.worker = std::make_unique<detail::eval_worker>(*s.eval, ctx.metrics, ctx.progress);
  if (resume) {
    // The posterior predictive average covers the draws before the checkpoint too.
    if (resume->draws > 0) {
      auto kept = read_npy_f32(path);
      if (!kept) return unexpected(kept.error());
      for (std::uint64_t r = 0; r < resume->draws; ++r)
        s.worker->add_draw({kept->row(r), kept->cols});
    }
    out->summary_.draws = resume->draws;
    out->summary_.steps = resume->step;
    out->next_eval_ = (resume->step / ctx.eval_every + 1) * ctx.eval_every;
  }
  return out;
}

expected<void> chain_output::on_step(std::uint64_t step, std::span<const float> theta, bool is_draw,
                                     double potential, double step_size, std::int64_t staleness) {
  auto& s = *impl_;
  if (!s.worker) return make_error(errc::invalid_argument, "chain_output: already finished");
  if (auto failed = s.worker->failure()) return unexpected(*failed);
  summary_.steps = step;
  last_potential_ = potential;
  last_step_size_ = step_size;
  last_recorded_ = false;
  if (is_draw) {
    if (auto r = s.npy->append(theta); !r) return r;
    const auto record = encode(draw_stats{step, potential, step_size, staleness});
    if (auto r = s.stats->append_record(record); !r) return r;
    summary_.draws = s.npy->rows();
    s.worker->add_draw(theta);
  }
  if (step >= next_eval_) {
    record(theta, is_draw);
    const std::uint64_t every = ctx_.eval_every;
    next_eval_ = (step / every + 1) * every;
  }
  return {};
}

void chain_output::record(std::span<const float> theta, bool theta_is_draw) {
  metrics_record meta;
  meta.chain = summary_.chain;
  meta.step = summary_.steps;
  meta.wall_s = ctx_.time.seconds();
  meta.step_size = last_step_size_;
  meta.potential = last_potential_;
  meta.draws = summary_.draws;
  impl_->worker->record(meta, theta, theta_is_draw);
  last_recorded_ = true;
}

expected<chain_summary> chain_output::finish(std::span<const float> theta, bool theta_is_draw) {
  auto& s = *impl_;
  if (!s.worker) return make_error(errc::invalid_argument, "chain_output: already finished");
  if (!last_recorded_ && !theta.empty()) record(theta, theta_is_draw);
  auto r = s.worker->finish();
  summary_.metrics = s.worker->last_values();
  s.worker.reset();
  if (!r) return unexpected(r.error());
  return summary_;
}

expected<void> chain_output::sync() {
  auto& s = *impl_;
  if (s.npy)
    if (auto r = s.npy->sync(); !r) return r;
  if (s.stats)
    if (auto r = s.stats->sync(); !r) return r;
  return {};
}

expected<std::vector<chain_resume>> kept_draws(const std::filesystem::path& samples_dir,
                                               std::uint32_t chains) {
  std::vector<chain_resume> out(chains);
  for (std::uint32_t k = 0; k < chains; ++k) {
    const auto path = samples_dir / fmt::format("chain-{}.npy", k);
    const auto stats_path = draw_stats_path(path);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) || !std::filesystem::exists(stats_path, ec)) continue;
    auto m = read_npy_f32(path);
    if (!m) return unexpected(m.error());
    auto st = read_draw_stats(stats_path);
    if (!st) return unexpected(st.error());
    const auto n = std::min<std::uint64_t>(m->rows, st->size());
    out[k].draws = n;
    out[k].step = n > 0 ? (*st)[n - 1].step : 0;
  }
  return out;
}

void chain_output::abandon() {
  auto& s = *impl_;
  if (!s.worker) return;
  (void)s.worker->finish();
  summary_.metrics = s.worker->last_values();
  s.worker.reset();
}

}  // namespace sgmc::engine
