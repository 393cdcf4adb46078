#pragma once
// Byte layout of a trace file (docs/trace-format.md is the reference; keep both in step, and
// python/sgmc/trace.py). Every integer is little-endian. The writer writes version 2; the
// reader reads versions 1 and 2.
//
// Version 2
//   header  magic "SGMCTRC\0" (8) | u32 format_version | u32 header_bytes | u32 record_bytes |
//           u32 node_bytes | run id (16) | u64 config_hash | u64 anchor_t_ns |
//           u64 anchor_realtime_ns | node name (UTF-8, node_bytes) | zero padding to
//           header_bytes = 64 + node_bytes rounded up to a multiple of 8
//   record  (64 bytes) u64 t_ns | u64 bytes | u64 version | i64 staleness | u64 seq |
//           u64 duration_ns (spans) or realtime_ns (anchors) | u32 actor_index |
//           u32 peer_index | u8 actor_role | u8 peer_role | u8 type | u8 dir | 4 zero bytes
// Version 1
//   header  magic (8) | u32 format_version | u32 header_bytes | u32 record_bytes |
//           u32 node_bytes | node name | zero padding to 24 + node_bytes rounded up to 8
//   record  (48 bytes) u64 t_ns | u64 bytes | u64 version | i64 staleness | u32 actor_index |
//           u32 peer_index | u8 actor_role | u8 peer_role | u8 type | u8 dir | 4 zero bytes
#include "sgmc/engine/trace.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

static_assert(std::endian::native == std::endian::little,
              "the trace format is little-endian; the writer stores integers as they are");

namespace sgmc::engine::trace_format {

inline constexpr std::array<unsigned char, 8> kMagic = {'S', 'G', 'M', 'C', 'T', 'R', 'C', 0};
inline constexpr std::uint32_t kVersion = 2;  ///< what the writer writes
inline constexpr std::size_t kMaxNodeBytes = 4096;
/// The fixed part every version shares: magic, version, header_bytes, record_bytes, node_bytes.
inline constexpr std::size_t kCommonHeaderBytes = 24;

namespace v1 {
inline constexpr std::size_t kFixedHeaderBytes = 24;
inline constexpr std::size_t kRecordBytes = 48;
}  // namespace v1

namespace v2 {
inline constexpr std::size_t kFixedHeaderBytes = 64;
inline constexpr std::size_t kRecordBytes = 64;
// Header field offsets.
inline constexpr std::size_t kRunId = 24;
inline constexpr std::size_t kConfigHash = 40;
inline constexpr std::size_t kAnchorT = 48;
inline constexpr std::size_t kAnchorRealtime = 56;
// Record field offsets.
inline constexpr std::size_t kT = 0;
inline constexpr std::size_t kBytes = 8;
inline constexpr std::size_t kVersionField = 16;
inline constexpr std::size_t kStaleness = 24;
inline constexpr std::size_t kSeq = 32;
inline constexpr std::size_t kExtra = 40;  ///< duration_ns (spans) or realtime_ns (anchors)
inline constexpr std::size_t kActorIndex = 48;
inline constexpr std::size_t kPeerIndex = 52;
inline constexpr std::size_t kActorRole = 56;
inline constexpr std::size_t kPeerRole = 57;
inline constexpr std::size_t kType = 58;
inline constexpr std::size_t kDir = 59;
inline constexpr std::size_t kReserved = 60;
}  // namespace v2

inline constexpr std::size_t fixed_header_bytes(std::uint32_t version) {
  return version == 1 ? v1::kFixedHeaderBytes : v2::kFixedHeaderBytes;
}
inline constexpr std::size_t record_bytes(std::uint32_t version) {
  return version == 1 ? v1::kRecordBytes : v2::kRecordBytes;
}
inline constexpr std::size_t header_bytes(std::uint32_t version, std::size_t node_bytes) {
  return fixed_header_bytes(version) + (node_bytes + 7) / 8 * 8;
}

inline void put_u64(unsigned char* p, std::uint64_t x) { std::memcpy(p, &x, 8); }
inline void put_u32(unsigned char* p, std::uint32_t x) { std::memcpy(p, &x, 4); }
inline std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

/// The largest type code of each version.
inline constexpr unsigned kMaxType[3] = {0, 8, 11};

/// Writes one version-2 record into out[0, 64).
inline void encode(const trace_event& e, unsigned char* out) {
  using namespace v2;
  put_u64(out + kT, e.t_ns);
  put_u64(out + kBytes, e.bytes);
  put_u64(out + kVersionField, e.version);
  put_u64(out + kStaleness, static_cast<std::uint64_t>(e.staleness));
  put_u64(out + kSeq, e.seq);
  put_u64(out + kExtra, e.type == trace_type::anchor ? e.realtime_ns : e.duration_ns);
  put_u32(out + kActorIndex, e.actor.index);
  put_u32(out + kPeerIndex, e.peer.index);
  out[kActorRole] = static_cast<unsigned char>(e.actor.role);
  out[kPeerRole] = static_cast<unsigned char>(e.peer.role);
  out[kType] = static_cast<unsigned char>(e.type);
  out[kDir] = static_cast<unsigned char>(e.dir);
  put_u32(out + kReserved, 0);
}

}  // namespace sgmc::engine::trace_format
