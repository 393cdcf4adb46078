#include "diagnose_load.hpp"

#include "sgmc/tools/config_loader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>

namespace sgmc::tools::detail {

namespace fs = std::filesystem;

double last_wall_s(const fs::path& metrics) {
  double wall = std::numeric_limits<double>::quiet_NaN();
  std::ifstream in(metrics);
  std::string line;
  constexpr std::string_view key = "\"wall_s\":";
  while (std::getline(in, line)) {
    const auto at = line.find(key);
    if (at == std::string::npos) continue;
    char* end = nullptr;
    const double v = std::strtod(line.c_str() + at + key.size(), &end);
    if (end != line.c_str() + at + key.size() && std::isfinite(v) && !(v <= wall)) wall = v;
  }
  return wall;
}

expected<std::vector<loaded_chain>> load_chains(const fs::path& samples_dir, bool with_theta) {
  std::vector<loaded_chain> chains;
  for (std::size_t k = 0;; ++k) {
    const fs::path file = samples_dir / fmt::format("chain-{}.npy", k);
    const fs::path sidecar = engine::draw_stats_path(file);
    std::error_code ec;
    if (!fs::exists(file, ec)) break;
    loaded_chain c;
    c.path = file.string();
    if (with_theta) {
      auto m = engine::read_npy_f32(file);
      if (!m) return unexpected(m.error());
      if (!chains.empty() && m->cols != chains.front().theta.cols)
        return make_error(errc::dimension_mismatch,
                          fmt::format("{}: dim {} but {} has dim {}", c.path, m->cols,
                                      chains.front().path, chains.front().theta.cols));
      c.theta = std::move(*m);
    }
    if (fs::exists(sidecar, ec)) {
      auto s = engine::read_draw_stats(sidecar);
      if (!s) return unexpected(s.error());
      c.stats = std::move(*s);
    }
    chains.push_back(std::move(c));
  }
  if (chains.empty())
    return make_error(errc::io,
                      fmt::format("{}: no samples (chain-0.npy not found)", samples_dir.string()));
  return chains;
}

expected<loaded_run> load_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::io, fmt::format("{}: not a run folder (no such directory)", dir));
  loaded_run run;
  run.dir = dir;
  run.config_path = (fs::path(dir) / "config.toml").string();
  if (!fs::exists(run.config_path, ec))
    return make_error(errc::io, fmt::format("{}: not a run folder (no config.toml)", dir));
  auto cfg = load_config(run.config_path, {});
  if (!cfg) return unexpected(cfg.error());
  run.cfg = std::move(*cfg);
  auto chains = load_chains(fs::path(dir) / "samples");
  if (!chains) return unexpected(chains.error());
  run.chains = std::move(*chains);
  run.wall_s = last_wall_s(fs::path(dir) / "metrics.jsonl");
  return run;
}

}  // namespace sgmc::tools::detail
