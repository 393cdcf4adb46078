#pragma once
// What the trace records of each protocol message: its type, its size in bytes (the fixed
// fields plus a length word and 4 bytes per float of its payload, i.e. what one raw-block
// serialisation puts on the wire) and the version it carries.
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/protocol.hpp"

#include <cstdint>

namespace sgmc::engine {

trace_type type_of(const protocols::push&);
trace_type type_of(const protocols::pull&);
trace_type type_of(const protocols::theta_reply&);
trace_type type_of(const protocols::exchange&);
trace_type type_of(const protocols::sample&);
trace_type type_of(const protocols::stop&);

std::uint64_t bytes_of(const protocols::push& m);
std::uint64_t bytes_of(const protocols::pull& m);
std::uint64_t bytes_of(const protocols::theta_reply& m);
std::uint64_t bytes_of(const protocols::exchange& m);
std::uint64_t bytes_of(const protocols::sample& m);
std::uint64_t bytes_of(const protocols::stop& m);

/// push: version; pull: have; params: version; exchange: step; sample: step; stop: 0.
std::uint64_t version_of(const protocols::push& m);
std::uint64_t version_of(const protocols::pull& m);
std::uint64_t version_of(const protocols::theta_reply& m);
std::uint64_t version_of(const protocols::exchange& m);
std::uint64_t version_of(const protocols::sample& m);
std::uint64_t version_of(const protocols::stop& m);

trace_actor to_trace_actor(const protocols::endpoint& e);

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
