#pragma once
// `sgmc simulate CONFIG [--workers N]`: the run of CONFIG's protocol in virtual time
// (sim/simulator.hpp, docs/simulate.md). It loads the data and builds the model exactly as
// `sgmc run` does and writes the same run directory:
//   OUT/config.toml            the fully resolved config (with its [sim] section)
//   OUT/samples/chain-K.npy    the draws
//   OUT/metrics.jsonl          wall_s is virtual seconds
//   OUT/trace/simulated.trace  with [trace] enabled: every message, virtual timestamps (ns)
// Same config, same seed: the same files, bit for bit, on any machine and thread count.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/evaluator.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/engine/run_output.hpp"
#include "sgmc/tools/progress.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgmc::tools {

struct simulate_options {
  std::string source = "config";  ///< the config file's name, for messages
  std::string out_dir;            ///< "" → runs/<name>
  unsigned threads = 0;           ///< TBB threads of the kernels; 0 = all cores
  progress_options progress;
};

struct simulate_summary {
  std::string out_dir;
  double load_s = 0.0;     ///< wall seconds loading data and building the model
  double wall_s = 0.0;     ///< wall seconds simulating
  double virtual_s = 0.0;  ///< virtual seconds simulated
  std::uint64_t events = 0;
  std::uint64_t messages = 0;
  std::uint64_t draws = 0;
  std::string trace_path;  ///< with [trace] enabled
  std::string protocol;    ///< versions, gradients, staleness in one line
  engine::headline_metric headline;
  std::vector<engine::chain_summary> chains;
};

/// Simulates `cfg` (whose protocol.kind is not none) to the end.
expected<simulate_summary> simulate(const engine::run_config& cfg, const simulate_options& options);

}  // namespace sgmc::tools
