#pragma once
// OUT/posterior.nc: the run's draws in ArviZ's InferenceData layout (docs/outputs.md), written
// once at the end of a run from the .npy files (the live format) with libnetcdf (netCDF-4).
//
//   group posterior      dims chain, draw, <name>_dim_k; coordinates chain, draw, <name>_dim_k
//                        (0, 1, ...); per param_block of the model a float32 variable
//                        <name> [chain, draw, shape...] (with `flat`: one theta [chain, draw,
//                        theta_dim_0]); padded draws are NaN (the variables' _FillValue).
//   group sample_stats   dims chain, draw; step int64 (the chain step or master version of
//                        the draw), potential float64 (Û, the minibatch estimate), lp float64
//                        (−Û, ArviZ's name for the log density), step_size float64, staleness
//                        int64 (of the update that produced the draw; −1 when not applicable).
//                        Padding: NaN for the floats, −1 for the integers.
// Both groups carry ArviZ's attributes (created_at, inference_library = "sgmc",
// inference_library_version) and sgmc's own (model, chain_draws: the draws of each chain,
// padding: a sentence when chains differ in length).
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/models/model.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sgmc::engine {

/// One chain's draws with their per-draw statistics (all of length draws()).
struct posterior_chain {
  std::vector<float> theta;  ///< draws × dim, C order
  std::vector<std::uint64_t> step;
  std::vector<double> potential;
  std::vector<double> step_size;
  std::vector<std::int64_t> staleness;
  std::size_t draws() const { return step.size(); }
};

struct posterior_options {
  bool flat = false;       ///< one theta [chain, draw, dim] instead of the model's blocks
  std::string model_name;  ///< the `model` attribute
};

/// A posterior.nc being written: define once with every chain's draw count, then put each
/// chain (in any order, each once), then close. Errors name the file.
class netcdf_writer {
 public:
  /// Creates (truncates) `path` and defines groups, dimensions, coordinates and variables for
  /// `chain_draws.size()` chains of at most max(chain_draws) draws of θ laid out as `layout`
  /// (blocks covering θ of length `dim`).
  static expected<netcdf_writer> create(const std::string& path,
                                        std::span<const models::param_block> layout,
                                        std::size_t dim, std::span<const std::uint64_t> chain_draws,
                                        const posterior_options& options);
  netcdf_writer(netcdf_writer&&) noexcept;
  netcdf_writer& operator=(netcdf_writer&&) noexcept;
  ~netcdf_writer();

  /// Writes chain `k` (k < chains; its draws must equal chain_draws[k], theta draws × dim).
  expected<void> put_chain(std::uint32_t k, const posterior_chain& chain);
  /// Flushes and closes the file.
  expected<void> close();

 private:
  struct impl;
  explicit netcdf_writer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Writes OUT/posterior.nc from OUT/samples/chain-K.npy and chain-K.stats.npy (K < chains)
/// through a temporary file renamed into place, so that the file is complete or absent.
expected<void> write_posterior(const std::filesystem::path& out_dir, const models::model& model,
                               std::uint32_t chains, const posterior_options& options);

/// write_posterior as `cfg.output` asks (flat or not; nothing when output.posterior_nc is
/// false). Called once a run has succeeded: a failed run leaves no posterior.nc.
expected<void> write_run_posterior(const run_config& cfg, const models::model& model,
                                   const std::filesystem::path& out_dir, std::uint32_t chains);

}  // namespace sgmc::engine
