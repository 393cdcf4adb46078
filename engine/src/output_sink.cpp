#include "sgmc/engine/output_sink.hpp"

#include <fmt/format.h>

namespace sgmc::engine {

expected<std::unique_ptr<output_sink>> output_sink::create(
    const output_context& out, const samplers::schedule& sched, std::uint32_t chains,
    const std::vector<chain_resume>& resume) {
  std::unique_ptr<output_sink> sink(new output_sink(out, sched));
  for (std::uint32_t k = 0; k < chains; ++k) {
    auto c = chain_output::create(out, k, k < resume.size() ? &resume[k] : nullptr);
    if (!c) return unexpected(c.error());
    sink->chains_.push_back(std::move(*c));
  }
  sink->last_draw_.resize(chains);
  sink->summaries_.resize(chains);
  return sink;
}

expected<void> output_sink::on_draw(const protocols::draw& d) {
  const auto dim = out_.model.dim();
  if (d.chain >= chains_.size() || d.theta.size() != dim)
    return make_error(errc::protocol,
                      fmt::format("collector: draw {} of chain {} does not fit this run ({} "
                                  "chains of dimension {}; got {} values)",
                                  d.index, d.chain, chains_.size(), dim, d.theta.size()));
  const double step_size = sched_.at(d.step == 0 ? 0 : d.step - 1);
  if (auto r =
          chains_[d.chain]->on_step(d.step, d.theta, true, d.potential, step_size, d.staleness);
      !r)
    return r;
  last_draw_[d.chain] = d.theta;  // the final record's θ (on_finish)
  return {};
}

expected<void> output_sink::sync() {
  for (auto& c : chains_)
    if (auto r = c->sync(); !r) return r;
  return {};
}

expected<void> output_sink::on_finish(const run_report&) {
  std::optional<error> first;
  for (std::size_t k = 0; k < chains_.size(); ++k) {
    auto s = chains_[k]->finish(last_draw_[k], true);
    summaries_[k] = chains_[k]->summary();
    if (!s && !first) first = s.error();
  }
  if (first) return unexpected(*first);
  return {};
}

void output_sink::on_error(const error&) {
  // Every draw handed on so far is in the .npy; write the metrics queued so far.
  for (std::size_t k = 0; k < chains_.size(); ++k) {
    chains_[k]->abandon();
    summaries_[k] = chains_[k]->summary();
  }
}

}  // namespace sgmc::engine
