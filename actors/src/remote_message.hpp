#pragma once
// A protocol message whose payload travels over the data channel (data_channel.hpp): the
// message itself with an empty payload, plus where to take the payload from. Registered with
// CAF as "sgmc.remote_push", "sgmc.remote_theta_reply", "sgmc.remote_exchange",
// "sgmc.remote_sample" (register_messages, wire.cpp), so every node knows them.
//
// The sender sends the payload over the channel first, then this message over CAF; the
// receiving actor takes the payload from its node's inbox when it handles this message and
// then treats the rebuilt message exactly as if it had come whole: CAF's ordering of messages
// (a stop never overtakes a params) and the trace records stay what they are.
#include "sgmc/protocols/messages.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <type_traits>

namespace sgmc::actors::detail {

/// Where a payload waits: the sending node's channel id, its ticket, its length in floats.
struct payload_ref {
  std::uint64_t channel = 0;
  std::uint64_t ticket = 0;
  std::uint64_t n = 0;
};

template <class Msg>
struct remote {
  Msg head;  ///< the message, its payload empty
  payload_ref ref;
};

/// The payload field of a message that has one.
inline protocols::payload& payload_of(protocols::push& m) { return m.data; }
inline protocols::payload& payload_of(protocols::theta_reply& m) { return m.data; }
inline protocols::payload& payload_of(protocols::exchange& m) { return m.theta; }
inline protocols::payload& payload_of(protocols::sample& m) { return m.theta; }

template <class Msg>
inline constexpr bool has_payload =
    std::is_same_v<Msg, protocols::push> || std::is_same_v<Msg, protocols::theta_reply> ||
    std::is_same_v<Msg, protocols::exchange> || std::is_same_v<Msg, protocols::sample>;

// `head` goes through the message's own (binary, bitwise) inspect of wire.hpp.
template <class Inspector, class Msg>
typename Inspector::result_type inspect(Inspector& f, remote<Msg>& x) {
  return f(caf::meta::type_name("remote"), x.head, x.ref.channel, x.ref.ticket, x.ref.n);
}

}  // namespace sgmc::actors::detail
