#include "chain_runner.hpp"

#include <fmt/format.h>

#include <Eigen/Core>

namespace sgmc::tools::detail {
namespace {

/// "... diverged at step 12: Û = nan" → "... diverged at step 12 (Û = nan)"; other text as is.
std::string parenthesise_detail(const std::string& message) {
  const auto at = message.find("diverged at step ");
  const auto colon = at == std::string::npos ? at : message.find(": ", at);
  if (colon == std::string::npos) return message;
  return fmt::format("{} ({})", message.substr(0, colon), message.substr(colon + 2));
}

}  // namespace

chain_runner::chain_runner(const run_context& ctx, std::uint32_t chain)
    : ctx_(ctx), chain_(chain), source_(ctx.model, ctx.cfg.sampler.batch_size) {
  summary_.chain = chain;
  summary_.samples_path = fmt::format("{}/chain-{}.npy", ctx.samples_dir, chain);
}

double chain_runner::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx_.start).count();
}

error chain_runner::diverged(const error& e, std::string_view what, double step_size) const {
  return error{errc::diverged,
               fmt::format("chain {} {}; hint: lower {} (now {}), e.g. --set {}={}; {} draws "
                           "kept in {}",
                           chain_, parenthesise_detail(e.message), what, step_size, what,
                           step_size / 10, summary_.draws, summary_.samples_path)};
}

expected<void> chain_runner::find_mode(std::span<float> theta) {
  const auto& s = ctx_.cfg.sampler;
  samplers::mode_search_params p;
  p.steps = s.fp_sgd_steps;
  p.step_size = s.fp_step_size > 0 ? s.fp_step_size : s.step_size;
  p.batch_size = s.batch_size;
  p.seed = ctx_.cfg.seed;
  p.chain = chain_;
  auto r = samplers::find_mode(source_, p, theta);
  if (r || r.error().code != errc::diverged) return r;
  return unexpected(diverged(
      r.error(), s.fp_step_size > 0 ? "sampler.fp_step_size" : "sampler.step_size", p.step_size));
}

expected<void> chain_runner::prepare() {
  const auto& cfg = ctx_.cfg;
  const std::size_t dim = ctx_.model.dim();
  samplers::sampler_params sp = cfg.sampler;
  sp.data_size = ctx_.model.data_size();
  auto kernel = samplers::make_sampler(sp, dim);
  if (!kernel) return unexpected(kernel.error());
  kernel_ = std::move(*kernel);
  auto npy = npy_writer::create(summary_.samples_path, dim);
  if (!npy) return unexpected(npy.error());
  npy_.emplace(std::move(*npy));
  Eigen::VectorXf theta(static_cast<Eigen::Index>(dim));
  const std::span<float> theta_span(theta.data(), dim);
  ctx_.model.initial_params(core::rng_key{cfg.seed, chain_, 0, core::rng_stream::init}, theta_span);
  samplers::gradient_source* src = &source_;
  if (cfg.sampler.kind == "sgld-fp") {
    if (auto r = find_mode(theta_span); !r) return r;
    cv_source_ = std::make_unique<samplers::control_variate_source>(source_, theta_span);
    src = cv_source_.get();
  }
  samplers::chain_params p;
  p.seed = cfg.seed;
  p.chain = chain_;
  p.batch_size = cfg.sampler.batch_size;
  markov_ = std::make_unique<samplers::chain>(*src, *kernel_, ctx_.sched, p, theta_span);
  eval_ = evaluator::make(ctx_.model, ctx_.test);
  worker_ = std::make_unique<eval_worker>(*eval_, ctx_.metrics, ctx_.prog);
  return {};
}

expected<chain_summary> chain_runner::run() {
  if (auto r = prepare(); !r) return unexpected(r.error());
  auto looped = loop();
  auto finished = worker_->finish();  // every queued evaluation is written, also on failure
  if (!looped) return unexpected(looped.error());
  if (!finished) return unexpected(finished.error());
  summary_.steps = markov_->steps_done();
  summary_.metrics = worker_->last_values();
  return summary_;
}

expected<void> chain_runner::loop() {
  for (std::uint64_t t = 1; t <= ctx_.cfg.run.steps; ++t) {
    if (ctx_.stop.load(std::memory_order_relaxed)) break;
    if (auto r = markov_->step(); !r) {
      if (r.error().code != errc::diverged) return r;
      return unexpected(diverged(r.error(), "sampler.step_size", ctx_.cfg.sampler.step_size));
    }
    ctx_.prog.advance();
    if (auto r = after_step(t); !r) return r;
  }
  return {};
}

expected<void> chain_runner::after_step(std::uint64_t t) {
  const auto& run = ctx_.cfg.run;
  const bool draw = t > run.burnin && (t - run.burnin) % run.thin == 0;
  if (draw) {
    if (auto r = npy_->append(markov_->theta()); !r) return r;
    summary_.draws = npy_->rows();
    worker_->add_draw(markov_->theta());
  }
  if (t % run.eval_every == 0 || t == run.steps) return record(t, draw);
  return {};
}

expected<void> chain_runner::record(std::uint64_t t, bool theta_is_draw) {
  if (auto failed = worker_->failure()) return unexpected(*failed);
  metrics_record meta;
  meta.chain = chain_;
  meta.step = t;
  meta.wall_s = seconds();
  meta.step_size = markov_->last_step_size();
  meta.potential = markov_->last_potential();
  meta.draws = summary_.draws;
  worker_->record(meta, markov_->theta(), theta_is_draw);
  return {};
}

}  // namespace sgmc::tools::detail
