#pragma once
// Reads back what npy_writer writes: a float32 matrix (chain-K.npy) and the per-draw records
// (chain-K.stats.npy). Strict: a file that is not an .npy of exactly that dtype, in C order,
// whose header is malformed or whose data is shorter than the header claims gives
// errc::invalid_data naming the file and what is wrong. A file still being appended to reads
// as the rows its header announces (npy_writer writes the rows before the count).
#include "sgmc/core/error.hpp"
#include "sgmc/engine/draw_stats.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace sgmc::engine {

/// rows × cols float32, row-major.
struct npy_matrix {
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  std::vector<float> values;
  const float* row(std::uint64_t r) const { return values.data() + r * cols; }
};

expected<npy_matrix> read_npy_f32(const std::filesystem::path& path);
expected<std::vector<draw_stats>> read_draw_stats(const std::filesystem::path& path);

/// The stats file of a chain's draws: samples/chain-K.npy → samples/chain-K.stats.npy.
std::filesystem::path draw_stats_path(const std::filesystem::path& samples_path);

}  // namespace sgmc::engine
