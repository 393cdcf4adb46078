#pragma once
// Stand-in for engine/npy_reader.hpp until it lands on main: reads samples/chain-K.npy
// (float32 [rows, cols], C order) and chain-K.stats.npy (the structured per-draw dtype).
#include "sgmc/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace sgmc::tools::detail {

struct npy_matrix {
  std::uint64_t rows = 0, cols = 0;
  std::vector<float> values;
};

struct draw_stats {
  std::uint64_t step = 0;
  double potential = 0;
  double step_size = 0;
  std::int64_t staleness = -1;
};

expected<npy_matrix> read_npy_f32(const std::filesystem::path& path);
expected<std::vector<draw_stats>> read_draw_stats(const std::filesystem::path& path);

}  // namespace sgmc::tools::detail
