#pragma once
// One data channel message (data_channel.hpp): a 32-byte header part and a payload part of
// n × 4 bytes. check_frame() is everything the receiver decides from the bytes, without
// ZeroMQ, so that tests and the fuzzers (fuzz/) feed it arbitrary input.
//
// header (little-endian): u32 magic "SGDC", u32 version 1, u64 channel (the sending node's
// id), u64 ticket, u64 n (floats in the payload part).
#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace sgmc::actors::detail {

inline constexpr std::uint32_t kFrameMagic = 0x43444753u;  // "SGDC" in little-endian byte order
inline constexpr std::uint32_t kFrameVersion = 1;

struct frame_header {
  std::uint32_t magic = kFrameMagic;
  std::uint32_t version = kFrameVersion;
  std::uint64_t channel = 0;
  std::uint64_t ticket = 0;
  std::uint64_t n = 0;
};
static_assert(sizeof(frame_header) == 32);

inline std::string node_hex(std::uint64_t id) { return fmt::format("{:016x}", id); }

/// Why a message of `parts` parts, whose first part is `header` (`header_bytes` long) and
/// second `body_bytes` long, is not a payload frame of at most `max_floats` floats; nullopt
/// when it is (then `h` holds its header, and body_bytes == h.n × 4 <= max_floats × 4).
inline std::optional<std::string> check_frame(std::size_t parts, const void* header,
                                              std::size_t header_bytes, std::size_t body_bytes,
                                              std::uint64_t max_floats, frame_header& h) {
  if (parts != 2)
    return fmt::format("{} part{} (expected a 32-byte header and a payload)", parts,
                       parts == 1 ? "" : "s");
  if (header_bytes != sizeof h)
    return fmt::format("a header of {} bytes (expected 32)", header_bytes);
  std::memcpy(&h, header, sizeof h);
  if (h.magic != kFrameMagic)
    return fmt::format("bad magic 0x{:08x} (not an sgmc data channel peer?)", h.magic);
  if (h.version != kFrameVersion)
    return fmt::format("frame version {} (this node speaks {})", h.version, kFrameVersion);
  if (h.n > max_floats)
    return fmt::format("payload {} from node {} announces {} floats, more than the model's {}",
                       h.ticket, node_hex(h.channel), h.n, max_floats);
  if (body_bytes / sizeof(float) != h.n || body_bytes % sizeof(float) != 0)
    return fmt::format("payload {} from node {} announces {} floats but carries {} bytes", h.ticket,
                       node_hex(h.channel), h.n, body_bytes);
  return std::nullopt;
}

}  // namespace sgmc::actors::detail
