#pragma once
// What a run knows of each draw besides θ: written next to the draws of chain K as
// OUT/samples/chain-K.stats.npy, one record per row of chain-K.npy (docs/outputs.md), a
// structured .npy of 32-byte little-endian records with the numpy dtype k_draw_stats_descr.
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>

namespace sgmc::engine {

struct draw_stats {
  std::uint64_t step = 0;  ///< the chain's step (a master version, or an elastic worker's step)
  double potential = std::numeric_limits<double>::quiet_NaN();  ///< Û(θ) last seen; NaN: unknown
  double step_size = 0.0;       ///< the step size of the step that produced the draw
  std::int64_t staleness = -1;  ///< of the update that produced the draw; −1: not applicable
  friend bool operator==(const draw_stats&, const draw_stats&) = default;
};

inline constexpr const char* k_draw_stats_descr =
    "[('step', '<u8'), ('potential', '<f8'), ('step_size', '<f8'), ('staleness', '<i8')]";
inline constexpr std::size_t k_draw_stats_bytes = 32;

/// The record's bytes (the host is little-endian, as npy_writer asserts).
inline std::array<unsigned char, k_draw_stats_bytes> encode(const draw_stats& s) {
  std::array<unsigned char, k_draw_stats_bytes> out{};
  std::memcpy(out.data() + 0, &s.step, 8);
  std::memcpy(out.data() + 8, &s.potential, 8);
  std::memcpy(out.data() + 16, &s.step_size, 8);
  std::memcpy(out.data() + 24, &s.staleness, 8);
  return out;
}

inline draw_stats decode_draw_stats(const unsigned char* p) {
  draw_stats s;
  std::memcpy(&s.step, p + 0, 8);
  std::memcpy(&s.potential, p + 8, 8);
  std::memcpy(&s.step_size, p + 16, 8);
  std::memcpy(&s.staleness, p + 24, 8);
  return s;
}

}  // namespace sgmc::engine
