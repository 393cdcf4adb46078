#pragma once
// Byte layout of a trace file, version 1 (docs/trace-format.md is the reference; keep both in
// step). Every integer is little-endian.
//
//   header  magic "SGMCTRC\0" (8) | u32 format_version | u32 header_bytes | u32 record_bytes |
//           u32 node_bytes | node name (UTF-8, node_bytes) | zero padding to header_bytes
//           header_bytes = 24 + node_bytes rounded up to a multiple of 8
//   record  (48 bytes) u64 t_ns | u64 bytes | u64 version | i64 staleness | u32 actor_index |
//           u32 peer_index | u8 actor_role | u8 peer_role | u8 type | u8 dir | 4 zero bytes
#include "sgmc/engine/trace.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace sgmc::engine::trace_format {

inline constexpr std::array<unsigned char, 8> kMagic = {'S', 'G', 'M', 'C', 'T', 'R', 'C', 0};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kFixedHeaderBytes = 24;
inline constexpr std::size_t kRecordBytes = 48;
inline constexpr std::size_t kMaxNodeBytes = 4096;

inline constexpr std::size_t header_bytes(std::size_t node_bytes) {
  return kFixedHeaderBytes + (node_bytes + 7) / 8 * 8;
}

inline void put_u64(unsigned char* p, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(x >> (8 * i));
}
inline void put_u32(unsigned char* p, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(x >> (8 * i));
}
inline std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x |= std::uint64_t{p[i]} << (8 * i);
  return x;
}
inline std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t x = 0;
  for (int i = 0; i < 4; ++i) x |= std::uint32_t{p[i]} << (8 * i);
  return x;
}

/// Writes one record into out[0, kRecordBytes).
inline void encode(const trace_event& e, unsigned char* out) {
  put_u64(out + 0, e.t_ns);
  put_u64(out + 8, e.bytes);
  put_u64(out + 16, e.version);
  put_u64(out + 24, static_cast<std::uint64_t>(e.staleness));
  put_u32(out + 32, e.actor.index);
  put_u32(out + 36, e.peer.index);
  out[40] = static_cast<unsigned char>(e.actor.role);
  out[41] = static_cast<unsigned char>(e.peer.role);
  out[42] = static_cast<unsigned char>(e.type);
  out[43] = static_cast<unsigned char>(e.dir);
  put_u32(out + 44, 0);
}

}  // namespace sgmc::engine::trace_format
