#pragma once
// What the trace records of each protocol message: its type, its size in bytes (the fixed
// fields plus a length word and 4 bytes per float of its payload, i.e. what one raw-block
// serialisation puts on the wire, or the encoded bytes of a payload a `[codec]` encoded) and
// the version it carries.
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <cstdint>

namespace sgmc::engine {

namespace detail {
// A payload on the wire: its length word, then the floats as one raw block, or, encoded by a
// `[codec]`, its length word and the encoded bytes.
inline std::uint64_t payload_bytes(const protocols::payload& p) {
  if (!p.encoded.empty()) return 8 + static_cast<std::uint64_t>(p.encoded.size());
  return 8 + 4 * static_cast<std::uint64_t>(p.values.size());
}
}  // namespace detail

// Inline: the actors call these for every message they trace.
inline trace_type type_of(const protocols::push&) { return trace_type::push; }
inline trace_type type_of(const protocols::pull&) { return trace_type::pull; }
inline trace_type type_of(const protocols::theta_reply&) { return trace_type::params; }
inline trace_type type_of(const protocols::exchange&) { return trace_type::exchange; }
inline trace_type type_of(const protocols::sample&) { return trace_type::sample; }
inline trace_type type_of(const protocols::stop&) { return trace_type::stop; }

// Fixed fields: worker 4, shard 4, version 8, seq 8, kind 1, potential 8.
inline std::uint64_t bytes_of(const protocols::push& m) {
  return 33 + detail::payload_bytes(m.data);
}
// worker 4, shard 4, have 8.
inline std::uint64_t bytes_of(const protocols::pull&) { return 16; }
// shard 4, version 8.
inline std::uint64_t bytes_of(const protocols::theta_reply& m) {
  return 12 + detail::payload_bytes(m.data);
}
// worker 4, shard 4, step 8, version 8.
inline std::uint64_t bytes_of(const protocols::exchange& m) {
  return 24 + detail::payload_bytes(m.theta);
}
// chain 4, draw 8, step 8, shard 4, offset 8, potential 8, staleness 8.
inline std::uint64_t bytes_of(const protocols::sample& m) {
  return 48 + detail::payload_bytes(m.theta);
}
// A string: its length word and its characters.
inline std::uint64_t bytes_of(const protocols::stop& m) { return 8 + m.reason.size(); }

/// push: version; pull: have; params: version; exchange: step; sample: step; stop: 0.
inline std::uint64_t version_of(const protocols::push& m) { return m.version; }
inline std::uint64_t version_of(const protocols::pull& m) { return m.have; }
inline std::uint64_t version_of(const protocols::theta_reply& m) { return m.version; }
inline std::uint64_t version_of(const protocols::exchange& m) { return m.step; }
inline std::uint64_t version_of(const protocols::sample& m) { return m.step; }
inline std::uint64_t version_of(const protocols::stop&) { return 0; }

// The roles have the same codes on both sides (a branch-free conversion: it runs twice per
// traced message).
static_assert(static_cast<int>(protocols::endpoint::role::master) ==
                  static_cast<int>(trace_role::master) &&
              static_cast<int>(protocols::endpoint::role::worker) ==
                  static_cast<int>(trace_role::worker) &&
              static_cast<int>(protocols::endpoint::role::collector) ==
                  static_cast<int>(trace_role::collector));
inline trace_actor to_trace_actor(const protocols::endpoint& e) {
  const bool collector = e.who == protocols::endpoint::role::collector;
  return {static_cast<trace_role>(e.who), collector ? 0u : e.index};
}

/// A filled-in record of message `m` at `t_ns` (default: now), staleness −1.
template <class Msg>
trace_event make_event(const Msg& m, trace_actor me, trace_actor peer, trace_direction dir,
                       std::uint64_t t_ns = 0) {
  trace_event e;
  e.t_ns = t_ns != 0 ? t_ns : trace_now_ns();
  e.actor = me;
  e.peer = peer;
  e.type = type_of(m);
  e.dir = dir;
  e.bytes = bytes_of(m);
  e.version = version_of(m);
  return e;
}

}  // namespace sgmc::engine
