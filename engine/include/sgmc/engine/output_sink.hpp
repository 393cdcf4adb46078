#pragma once
// The sample sink of a protocol run (real or simulated): each chain's draws go through the one
// output writer (run_output.hpp), exactly as a single-process chain's do. The steps of a chain
// are master versions, or an elastic worker's local steps.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_output.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace sgmc::engine {

class output_sink final : public sample_sink {
 public:
  /// Creates every chain's output. `out` and `sched` outlive the sink.
  /// With `resume` (one per chain): every chain continues its files (chain_output::create).
  static expected<std::unique_ptr<output_sink>> create(
      const output_context& out, const samplers::schedule& sched, std::uint32_t chains,
      const std::vector<chain_resume>& resume = {});

  expected<void> on_draw(const protocols::draw& d) override;
  /// fdatasync of every chain's .npy files.
  expected<void> sync() override;
  expected<void> on_finish(const run_report& r) override;
  void on_error(const error& e) override;

  /// Per-chain accounts, after on_finish or on_error.
  const std::vector<chain_summary>& chains() const { return summaries_; }

 private:
  output_sink(const output_context& out, const samplers::schedule& sched)
      : out_(out), sched_(sched) {}

  const output_context& out_;
  const samplers::schedule& sched_;
  std::vector<std::unique_ptr<chain_output>> chains_;
  std::vector<std::vector<float>> last_draw_;
  std::vector<chain_summary> summaries_;
};

}  // namespace sgmc::engine
