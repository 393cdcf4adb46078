#pragma once
// How protocol messages cross process boundaries with CAF 0.17.6.
//
// A protocols::payload travels as its length (CAF's varbyte sequence size: n floats) followed
// by one raw block of n × 4 bytes, IEEE-754 binary32 in the sender's byte order; every sgmc
// node is little-endian (checked at compile time below), so the block is little-endian.
// CAF's own std::vector<float> path serialises element by element through its IEEE-754
// packing (caf/detail/ieee_754.hpp), which is ~30x slower and wrong: NaN arrives as 1.0, −0
// as +0, subnormals are mangled, and an Inf makes the sending node's network thread spin
// forever. The same packing handles every scalar `double`/`float`, so the message structs
// (push::potential, sample::potential may be NaN or ±Inf) are serialised here through an
// adapter that moves each floating-point field as its raw bit pattern (an u32/u64).
//
// Loading checks the announced length against the bytes that are left before it allocates:
// a truncated buffer or a lying length field gives a caf::error, never a crash or a huge
// allocation.
//
// register_messages() adds every message struct of protocols/messages.hpp under a fixed name
// ("sgmc.push", ...): the name is what travels, so every node must register the same set.
// Every translation unit that sends or receives these structs through CAF must include this
// header (it does not compile otherwise: payload has no other inspect()).
#include "sgmc/protocols/messages.hpp"

#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/serializer.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>

static_assert(std::endian::native == std::endian::little,
              "sgmc's wire format sends float payloads as little-endian raw blocks");

namespace sgmc::protocols {

/// The largest payload one message may carry (CAF 0.17 caps a message at 2^32 bytes).
inline constexpr std::size_t kMaxPayloadFloats = (std::size_t{1} << 30) - 1024;
/// The largest encoded payload (`[codec]`): the same cap in bytes.
inline constexpr std::size_t kMaxPayloadEncodedBytes = kMaxPayloadFloats * sizeof(float);

// Binary (de)serialisation, defined in wire.cpp: exact matches, so they take precedence over
// the generic inspect() templates of messages.hpp whenever CAF (de)serialises.
caf::error inspect(caf::serializer& f, payload& x);
caf::error inspect(caf::deserializer& f, payload& x);
caf::error inspect(caf::serializer& f, push& x);
caf::error inspect(caf::deserializer& f, push& x);
caf::error inspect(caf::serializer& f, pull& x);
caf::error inspect(caf::deserializer& f, pull& x);
caf::error inspect(caf::serializer& f, theta_reply& x);
caf::error inspect(caf::deserializer& f, theta_reply& x);
caf::error inspect(caf::serializer& f, exchange& x);
caf::error inspect(caf::deserializer& f, exchange& x);
caf::error inspect(caf::serializer& f, sample& x);
caf::error inspect(caf::deserializer& f, sample& x);
caf::error inspect(caf::serializer& f, hello& x);
caf::error inspect(caf::deserializer& f, hello& x);
caf::error inspect(caf::serializer& f, welcome& x);
caf::error inspect(caf::deserializer& f, welcome& x);
caf::error inspect(caf::serializer& f, stop& x);
caf::error inspect(caf::deserializer& f, stop& x);
caf::error inspect(caf::serializer& f, draws_ack& x);
caf::error inspect(caf::deserializer& f, draws_ack& x);

/// The most chains a hello's draw counts or a draws_ack may name (elastic: one per worker).
inline constexpr std::uint32_t kMaxAckChains = 1u << 16;

/// Other inspectors (CAF's to_string): the length only, never the values.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payload& x) {
  auto n = static_cast<std::uint64_t>(x.values.size());
  auto e = static_cast<std::uint64_t>(x.encoded.size());
  return f(caf::meta::type_name("payload"), n, e);
}

}  // namespace sgmc::protocols

namespace sgmc::engine {
struct checkpoint_request;
// A master shard's state for a checkpoint (engine/checkpoint.hpp), floats bit for bit.
caf::error inspect(caf::serializer& f, checkpoint_request& x);
caf::error inspect(caf::deserializer& f, checkpoint_request& x);
struct chain_part;
// An elastic worker's chain for a checkpoint, floats bit for bit.
caf::error inspect(caf::serializer& f, chain_part& x);
caf::error inspect(caf::deserializer& f, chain_part& x);
}  // namespace sgmc::engine

namespace sgmc::actors {

/// Registers every message struct of protocols/messages.hpp with a CAF config, under the
/// names "sgmc.push", "sgmc.pull", "sgmc.theta_reply", "sgmc.exchange", "sgmc.sample",
/// "sgmc.hello", "sgmc.welcome", "sgmc.stop", "sgmc.draws_ack" (and "sgmc.payload"), and the
/// messages whose payload takes the data channel ("sgmc.remote_push", ..., see data_channel.hpp).
/// Call on every node's config before the actor system is constructed. (Atoms need no registration
/// in CAF 0.17.)
void register_messages(caf::actor_system_config& cfg);

}  // namespace sgmc::actors
