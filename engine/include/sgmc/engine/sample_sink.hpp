#pragma once
// Where the collector hands its draws: the tools layer implements it with the npy and metrics
// writers of the single-process run; tests implement it in memory.
//
// Threading: on_draw is called from the collector actor only, one call at a time, draws of a
// chain in order. on_finish or on_error is called once at the very end by whoever drives the
// run (run_embedded: its caller's thread, after every actor has terminated), never
// concurrently with on_draw.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/protocols/collector.hpp"

namespace sgmc::engine {

class sample_sink {
 public:
  virtual ~sample_sink() = default;
  /// One complete draw (the full θ). An error (a failed write) ends the run with it.
  virtual expected<void> on_draw(const protocols::draw& d) = 0;
  /// Makes every draw handed on so far durable (a collector acknowledges draws after this).
  virtual expected<void> sync() { return {}; }
  /// The run finished; `s` is its summary. An error is reported as the run's error.
  virtual expected<void> on_finish(const run_report& s) = 0;
  /// The run ended with `e`; draws handed on so far are all there is.
  virtual void on_error(const error& e) = 0;
};

}  // namespace sgmc::engine
