#pragma once
// `sgmc diagnose RUN_DIR... [--json] [--params LIST]`: convergence diagnostics of the draws of
// one or more runs (diagnostics.hpp), and checks against what is known about the posterior
// (predictive_checks.hpp). Several run folders are several chains of one posterior (same model
// and dim); inside a folder every samples/chain-K.npy is a chain (run.chains, or one per
// elastic worker). Chains are cut to the length of the shortest.
//
// Quantities: the potential Û of each draw (samples/chain-K.stats.npy), the norm ‖θ‖₂, and
// the parameters θ_j of `params`. ESS per second divides the bulk ESS by the sampling wall time:
// the sum over the folders of the last `wall_s` of metrics.jsonl.
#include "sgmc/core/error.hpp"
#include "sgmc/tools/diagnostics.hpp"
#include "sgmc/tools/predictive_checks.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::tools {

/// Parameters diagnosed when --params is not given: all of them up to this many.
inline constexpr std::size_t k_default_params = 20;

struct diagnose_options {
  std::vector<std::string> run_dirs;
  std::string params;  ///< "0,5,17" or ranges "0-9,40"; "" → default_params(dim)
};

struct quantity_report {
  std::string name;  ///< "potential", "|theta|", "theta[17]"
  draw_summary stats;
  double ess_per_s = 0;  ///< bulk ESS per second of sampling (NaN when the time is unknown)
};

struct predictive_report {
  classifier_scores scores;
  std::size_t test_size = 0;
  std::size_t draws = 0;  ///< draws averaged (all chains)
};

struct diagnose_report {
  std::vector<std::string> run_dirs;
  std::string model;
  std::size_t dim = 0;
  std::size_t chains = 0;
  std::size_t draws = 0;          ///< per chain, after cutting to the shortest
  std::size_t draws_dropped = 0;  ///< draws beyond the shortest chain, left out
  double wall_s = 0;              ///< NaN when no metrics.jsonl gives it
  bool elastic = false;           ///< a folder ran the elastic protocol
  std::vector<std::size_t> params;
  bool params_sampled = false;  ///< params is a seeded random subset
  std::vector<quantity_report> quantities;
  std::optional<moment_errors> exact;  ///< gaussian, linreg
  std::optional<predictive_report> predictive;
  std::vector<std::string> notes;  ///< caveats printed under the table
};

/// Errors (one line naming the folder or file): a missing folder, config.toml or chain file;
/// a malformed .npy; fewer than 4 draws per chain; folders of different models or dims.
expected<diagnose_report> diagnose(const diagnose_options& options);

/// `--params`: comma-separated indices and ranges A-B (inclusive), each < dim.
expected<std::vector<std::size_t>> parse_params(const std::string& text, std::size_t dim);
/// All indices when dim <= k_default_params, else k_default_params indices drawn with a fixed
/// seed (the same for every run of that dim), sorted.
std::vector<std::size_t> default_params(std::size_t dim);

/// The table: one row per quantity, then the checks and the notes.
std::string format_table(const diagnose_report& r);
/// The same as one JSON object (NaN as null).
std::string format_json(const diagnose_report& r);

/// What `sgmc run` prints at its end: R-hat and bulk ESS of the potential over the chains of
/// OUT/samples (chain-K.stats.npy). NaN when there are fewer than 4 draws or no potentials.
struct potential_check {
  double rhat = 0;
  double ess_bulk = 0;
  std::size_t chains = 0;
};
expected<potential_check> check_potential(const std::string& out_dir);

}  // namespace sgmc::tools
