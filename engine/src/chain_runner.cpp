#include "sgmc/engine/chain_runner.hpp"

#include <fmt/format.h>

#include <tbb/task_group.h>
#include <Eigen/Core>

#include <optional>

namespace sgmc::engine {
namespace {

/// "... diverged at step 12: Û = nan" → "... diverged at step 12 (Û = nan)"; other text as is.
std::string parenthesise_detail(const std::string& message) {
  const auto at = message.find("diverged at step ");
  const auto colon = at == std::string::npos ? at : message.find(": ", at);
  if (colon == std::string::npos) return message;
  return fmt::format("{} ({})", message.substr(0, colon), message.substr(colon + 2));
}

}  // namespace

chain_runner::chain_runner(const chain_context& ctx, std::uint32_t chain)
    : ctx_(ctx), chain_(chain), source_(ctx.model, ctx.cfg.sampler.batch_size) {}

error chain_runner::diverged(const error& e, std::string_view what, double step_size) const {
  return error{errc::diverged,
               fmt::format("chain {} {}; hint: lower {} (now {}), e.g. --set {}={}; {} draws "
                           "kept in {}",
                           chain_, parenthesise_detail(e.message), what, step_size, what,
                           step_size / 10, output_ ? output_->summary().draws : 0,
                           output_ ? output_->samples_path() : std::string{})};
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
  auto output = chain_output::create(ctx_.out, chain_);
  if (!output) return unexpected(output.error());
  output_ = std::move(*output);
  Eigen::VectorXf theta(static_cast<Eigen::Index>(dim));
  const std::span<float> theta_span(theta.data(), dim);
  ctx_.model.initial_params(core::rng_key{cfg.seed, chain_, 0, core::rng_stream::init}, theta_span);
  samplers::gradient_source* src = &source_;
  if (cfg.sampler.kind == samplers::sampler_kind::sgld_fp) {
    if (auto r = find_mode(theta_span); !r) return r;
    cv_source_ = std::make_unique<samplers::control_variate_source>(source_, theta_span);
    src = cv_source_.get();
  }
  samplers::chain_params p;
  p.seed = cfg.seed;
  p.chain = chain_;
  p.batch_size = cfg.sampler.batch_size;
  markov_ = std::make_unique<samplers::chain>(*src, *kernel_, ctx_.sched, p, theta_span);
  return {};
}

expected<chain_summary> chain_runner::run() {
  if (auto r = prepare(); !r) return unexpected(r.error());
  auto looped = loop();
  if (!looped) {
    output_->abandon();  // every queued evaluation is written, also on failure
    return unexpected(looped.error());
  }
  return output_->finish(markov_->theta(), last_was_draw_);
}

expected<void> chain_runner::loop() {
  const auto& run = ctx_.cfg.run;
  for (std::uint64_t t = 1; t <= run.steps; ++t) {
    if (ctx_.stop.load(std::memory_order_relaxed)) break;
    if (auto r = markov_->step(); !r) {
      if (r.error().code != errc::diverged) return r;
      return unexpected(diverged(r.error(), "sampler.step_size", ctx_.cfg.sampler.step_size));
    }
    ctx_.out.progress.advance(1);
    last_was_draw_ = t > run.burnin && (t - run.burnin) % run.thin == 0;
    if (auto r = output_->on_step(t, markov_->theta(), last_was_draw_, markov_->last_potential(),
                                  markov_->last_step_size());
        !r)
      return r;
  }
  return {};
}

expected<std::vector<chain_summary>> run_chains(const chain_context& ctx, std::uint32_t chains) {
  std::vector<std::optional<expected<chain_summary>>> results(chains);
  tbb::task_group group;
  for (std::uint32_t k = 0; k < chains; ++k)
    group.run([&ctx, &results, k] {
      chain_runner runner(ctx, k);
      results[k] = runner.run();
      if (!*results[k]) ctx.stop.store(true);
    });
  group.wait();
  std::vector<chain_summary> out;
  for (auto& r : results) {
    if (!*r) return unexpected(r->error());
    out.push_back(std::move(r->value()));
  }
  return out;
}

}  // namespace sgmc::engine
