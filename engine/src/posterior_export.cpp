// write_posterior: OUT/posterior.nc from the .npy files, one chain at a time (a chain of the MLP
// is tens of MB), through OUT/posterior.nc.tmp renamed into place.
#include "sgmc/engine/netcdf_writer.hpp"
#include "sgmc/engine/npy_reader.hpp"

#include <fmt/format.h>

#include <system_error>

namespace sgmc::engine {

namespace fs = std::filesystem;

namespace {

std::string chain_file(const fs::path& out_dir, std::uint32_t k, const char* suffix) {
  return (out_dir / "samples" / fmt::format("chain-{}{}", k, suffix)).string();
}

/// Reads chain k's draws and checks them against its statistics and the model.
expected<posterior_chain> read_chain(const fs::path& out_dir, std::uint32_t k, std::size_t dim,
                                     const std::vector<draw_stats>& stats) {
  const std::string path = chain_file(out_dir, k, ".npy");
  auto draws = read_npy_f32(path);
  if (!draws) return unexpected(draws.error());
  if (draws->rows != stats.size() || (draws->rows > 0 && draws->cols != dim))
    return make_error(errc::dimension_mismatch,
                      fmt::format("{}: {} draws of {} floats, but the model has dim {} and "
                                  "chain-{}.stats.npy {} rows",
                                  path, draws->rows, draws->cols, dim, k, stats.size()));
  posterior_chain c;
  c.theta = std::move(draws->values);
  for (const auto& s : stats) {
    c.step.push_back(s.step);
    c.potential.push_back(s.potential);
    c.step_size.push_back(s.step_size);
    c.staleness.push_back(s.staleness);
  }
  return c;
}

expected<void> write_chains(const std::string& path, const fs::path& out_dir,
                            const models::model& model, std::uint32_t chains,
                            const posterior_options& options) {
  std::vector<std::vector<draw_stats>> stats;
  std::vector<std::uint64_t> draws;
  for (std::uint32_t k = 0; k < chains; ++k) {
    auto s = read_draw_stats(chain_file(out_dir, k, ".stats.npy"));
    if (!s) return unexpected(s.error());
    draws.push_back(s->size());
    stats.push_back(std::move(*s));
  }
  const auto layout = model.param_layout();
  auto nc = netcdf_writer::create(path, layout, model.dim(), draws, options);
  if (!nc) return unexpected(nc.error());
  for (std::uint32_t k = 0; k < chains; ++k) {
    auto c = read_chain(out_dir, k, model.dim(), stats[k]);
    if (!c) return unexpected(c.error());
    if (auto r = nc->put_chain(k, *c); !r) return r;
  }
  return nc->close();
}

}  // namespace

expected<void> write_posterior(const fs::path& out_dir, const models::model& model,
                               std::uint32_t chains, const posterior_options& options) {
  const fs::path final_path = out_dir / "posterior.nc";
  const fs::path tmp = out_dir / "posterior.nc.tmp";
  std::error_code ec;
  auto r = write_chains(tmp.string(), out_dir, model, chains, options);
  if (r) {
    fs::rename(tmp, final_path, ec);
    if (!ec) return {};
    r = make_error(errc::io, fmt::format("cannot rename {} to {}: {}", tmp.string(),
                                         final_path.string(), ec.message()));
  }
  fs::remove(tmp, ec);
  return r;
}

expected<void> write_run_posterior(const run_config& cfg, const models::model& model,
                                   const fs::path& out_dir, std::uint32_t chains) {
  if (!cfg.output.posterior_nc) return {};
  posterior_options options;
  options.flat = cfg.output.posterior_flat;
  options.model_name = model.name();
  return write_posterior(out_dir, model, chains, options);
}

}  // namespace sgmc::engine
