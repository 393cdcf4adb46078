// write_posterior: OUT/posterior.nc from the .npy files, one chain at a time (a chain of the MLP
// is tens of MB), through OUT/posterior.nc.tmp renamed into place.
#include "sgmc/engine/netcdf_writer.hpp"

#include "posterior_npy.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <system_error>

namespace sgmc::engine {

namespace fs = std::filesystem;

namespace {

std::string chain_file(const fs::path& out_dir, std::uint32_t k, const char* suffix) {
  return (out_dir / "samples" / fmt::format("chain-{}{}", k, suffix)).string();
}

/// Per-draw statistics of one chain (samples/chain-K.stats.npy).
struct draw_stats {
  std::uint64_t step;
  double potential;
  double step_size;
  std::int64_t staleness;
};
static_assert(sizeof(draw_stats) == 32);

expected<std::vector<draw_stats>> read_draw_stats(const std::string& path) {
  auto f = detail::read_npy(path);
  if (!f) return unexpected(f.error());
  const std::string want =
      "[('step', '<u8'), ('potential', '<f8'), ('step_size', '<f8'), ('staleness', '<i8')]";
  if (f->descr != want || f->shape.size() != 1 || f->data.size() < f->shape[0] * 32)
    return make_error(errc::invalid_data,
                      fmt::format("{}: not the per-draw statistics {}", path, want));
  std::vector<draw_stats> rows(f->shape[0]);
  if (!rows.empty()) std::memcpy(rows.data(), f->data.data(), rows.size() * 32);
  return rows;
}

/// Without a stats file: the rows of chain k's draws with unknown statistics.
expected<std::vector<draw_stats>> unknown_stats(const fs::path& out_dir, std::uint32_t k) {
  auto f = detail::read_npy(chain_file(out_dir, k, ".npy"));
  if (!f) return unexpected(f.error());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return std::vector<draw_stats>(f->shape.empty() ? 0 : f->shape[0], {0, nan, nan, -1});
}

/// Reads chain k's draws and checks them against its statistics and the model.
expected<posterior_chain> read_chain(const fs::path& out_dir, std::uint32_t k, std::size_t dim,
                                     const std::vector<draw_stats>& stats) {
  const std::string path = chain_file(out_dir, k, ".npy");
  auto f = detail::read_npy(path);
  if (!f) return unexpected(f.error());
  const std::uint64_t rows = f->shape.empty() ? 0 : f->shape[0];
  if (f->descr != "'<f4'" || f->shape.size() != 2 || f->shape[1] != dim || rows != stats.size() ||
      f->data.size() < rows * dim * sizeof(float))
    return make_error(errc::dimension_mismatch,
                      fmt::format("{}: expected float32 [{}, {}] (the model's dim and the rows "
                                  "of chain-{}.stats.npy)",
                                  path, stats.size(), dim, k));
  posterior_chain c;
  c.theta.resize(rows * dim);
  if (!c.theta.empty()) std::memcpy(c.theta.data(), f->data.data(), c.theta.size() * 4);
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
    const std::string stats_path = chain_file(out_dir, k, ".stats.npy");
    auto s = fs::exists(stats_path) ? read_draw_stats(stats_path) : unknown_stats(out_dir, k);
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
