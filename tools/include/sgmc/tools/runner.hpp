#pragma once
// `sgmc run`: loads the data, builds the model, runs `run.chains` independent chains in
// parallel (a tbb::task_group; each chain's kernels use TBB inside) and writes the outputs
// (docs/outputs.md):
//   OUT/config.toml           the fully resolved config
//   OUT/samples/chain-K.npy   float32 [draws, dim], appended as draws arrive
//   OUT/metrics.jsonl         one JSON object per evaluation of a chain
//   OUT/posterior.nc          at the end, when every chain succeeded (engine/netcdf_writer.hpp)
// Everything that can be checked before sampling (data, model shapes, sampler and schedule
// parameters) is checked before OUT is touched.

#include "sgmc/core/error.hpp"
#include "sgmc/engine/evaluator.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/run_output.hpp"
#include "sgmc/tools/progress.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgmc::tools {

struct run_options {
  std::string source = "config";  ///< the config file's name, for messages
  std::string out_dir;            ///< "" → runs/<name>
  unsigned threads = 0;           ///< worker threads for TBB; 0 = all cores
  progress_options progress;
  /// A run folder to resume from its checkpoint (RUN_DIR/checkpoint, docs/cluster.md): the
  /// outputs there are continued, not replaced; "" → a fresh run.
  std::string resume;
};

struct run_summary {
  std::string out_dir;
  std::string config_path;
  std::string metrics_path;
  double load_s = 0.0;    ///< loading data and building the model
  double sample_s = 0.0;  ///< running the chains
  engine::headline_metric headline;
  std::vector<engine::chain_summary> chains;
  std::string posterior_path;  ///< OUT/posterior.nc unless output.posterior_nc is false
  std::string trace_path;      ///< distributed runs with [trace] enabled: the node's trace file
  std::string distributed;     ///< distributed runs: versions, gradients, staleness in one line
};

/// The output folder a run writes to: options.out_dir, or runs/<name>.
std::string output_dir(const engine::run_config& cfg, const run_options& options);

/// Runs every chain to the end (with options.resume: from the checkpoint on, after checking
/// that it belongs to `cfg`). A failing chain (errc::diverged: "chain K diverged at step N
/// ...; hint: ...") stops the others; all draws and metrics written so far stay readable.
expected<run_summary> run(const engine::run_config& cfg, const run_options& options);

}  // namespace sgmc::tools
