#pragma once
// Reading one run folder for `sgmc diagnose` (docs/outputs.md): config.toml, every
// samples/chain-K.npy with its chain-K.stats.npy, and the last wall_s of metrics.jsonl.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc/engine/run_config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::tools::detail {

struct loaded_chain {
  std::string path;
  engine::npy_matrix theta;                              ///< [draws, dim]
  std::optional<std::vector<engine::draw_stats>> stats;  ///< absent for runs without a sidecar
};

struct loaded_run {
  std::string dir;
  std::string config_path;
  engine::run_config cfg;
  std::vector<loaded_chain> chains;
  double wall_s = 0;  ///< NaN when metrics.jsonl is missing or has no wall_s
};

/// Every samples/chain-K.npy (K = 0, 1, ... while the files exist), with its sidecar when there is
/// one. Errors: no chain-0.npy, a malformed file, chains of different dims.
expected<std::vector<loaded_chain>> load_chains(const std::filesystem::path& samples_dir,
                                                bool with_theta = true);

/// The folder's config, chains and wall time. Errors name the folder or the file.
expected<loaded_run> load_run(const std::string& dir);

/// The largest wall_s in a metrics.jsonl (NaN when there is none).
double last_wall_s(const std::filesystem::path& metrics);

}  // namespace sgmc::tools::detail
