#include "sgmc/engine/trace_points.hpp"

namespace sgmc::engine {
namespace {

// A payload on the wire: its length word, then the floats as one raw block.
std::uint64_t payload_bytes(const protocols::payload& p) {
  return 8 + 4 * static_cast<std::uint64_t>(p.values.size());
}

}  // namespace

trace_type type_of(const protocols::push&) { return trace_type::push; }
trace_type type_of(const protocols::pull&) { return trace_type::pull; }
trace_type type_of(const protocols::theta_reply&) { return trace_type::params; }
trace_type type_of(const protocols::exchange&) { return trace_type::exchange; }
trace_type type_of(const protocols::sample&) { return trace_type::sample; }
trace_type type_of(const protocols::stop&) { return trace_type::stop; }

// Fixed fields: worker 4, shard 4, version 8, seq 8, kind 1, potential 8.
std::uint64_t bytes_of(const protocols::push& m) { return 33 + payload_bytes(m.data); }
// worker 4, shard 4, have 8.
std::uint64_t bytes_of(const protocols::pull&) { return 16; }
// shard 4, version 8.
std::uint64_t bytes_of(const protocols::theta_reply& m) { return 12 + payload_bytes(m.data); }
// worker 4, shard 4, step 8, version 8.
std::uint64_t bytes_of(const protocols::exchange& m) { return 24 + payload_bytes(m.theta); }
// chain 4, draw 8, step 8, shard 4, offset 8, potential 8, staleness 8.
std::uint64_t bytes_of(const protocols::sample& m) { return 48 + payload_bytes(m.theta); }
// A string: its length word and its characters.
std::uint64_t bytes_of(const protocols::stop& m) { return 8 + m.reason.size(); }

std::uint64_t version_of(const protocols::push& m) { return m.version; }
std::uint64_t version_of(const protocols::pull& m) { return m.have; }
std::uint64_t version_of(const protocols::theta_reply& m) { return m.version; }
std::uint64_t version_of(const protocols::exchange& m) { return m.step; }
std::uint64_t version_of(const protocols::sample& m) { return m.step; }
std::uint64_t version_of(const protocols::stop&) { return 0; }

trace_actor to_trace_actor(const protocols::endpoint& e) {
  using role = protocols::endpoint::role;
  switch (e.who) {
    case role::master:
      return {trace_role::master, e.index};
    case role::worker:
      return {trace_role::worker, e.index};
    case role::collector:
      return {trace_role::collector, 0};
  }
  return {};
}

}  // namespace sgmc::engine
