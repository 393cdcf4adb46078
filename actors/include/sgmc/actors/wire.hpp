#pragma once
// How protocol messages cross process boundaries with CAF 0.17.6.
//
// A protocols::payload travels as its length followed by one raw block of IEEE-754 floats in
// the sender's byte order (every sgmc node is x86-64 little-endian; the hello message checks
// it). CAF's own std::vector<float> path serialises element by element through its IEEE-754
// packing, which is ~30x slower and wrong here: NaN arrives as 1.0, −0 as +0, subnormals are
// mangled, and an Inf makes the sending node's network thread spin forever.
//
// register_messages() adds every message struct of protocols/messages.hpp under a fixed name
// ("sgmc.push", ...): the name is what travels, so every node must register the same set.
#include "sgmc/protocols/messages.hpp"

#include <caf/data_processor.hpp>
#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/serializer.hpp>
#include <caf/sec.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace sgmc::protocols {

/// The largest payload one message may carry (CAF 0.17 caps a message at 2^32 bytes).
inline constexpr std::size_t kMaxPayloadFloats = (std::size_t{1} << 30) - 1024;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payload& x) {
  if constexpr (std::is_base_of_v<caf::serializer, Inspector>) {
    std::size_t n = x.values.size();
    if (n > kMaxPayloadFloats) return caf::make_error(caf::sec::invalid_argument);
    return caf::error::eval(
        [&] { return f.begin_sequence(n); },
        [&] { return n > 0 ? f.apply_raw(n * sizeof(float), x.values.data()) : caf::error{}; },
        [&] { return f.end_sequence(); });
  } else if constexpr (std::is_base_of_v<caf::deserializer, Inspector>) {
    std::size_t n = 0;
    return caf::error::eval(
        [&] { return f.begin_sequence(n); },
        [&]() -> caf::error {
          if (n > kMaxPayloadFloats) return caf::make_error(caf::sec::invalid_argument);
          x.values.resize(n);
          return n > 0 ? f.apply_raw(n * sizeof(float), x.values.data()) : caf::error{};
        },
        [&] { return f.end_sequence(); });
  } else {
    // Other inspectors (CAF's to_string): name and length only.
    auto n = static_cast<std::uint64_t>(x.values.size());
    return f(caf::meta::type_name("payload"), n);
  }
}

}  // namespace sgmc::protocols

namespace sgmc::actors {

/// Registers every message struct of protocols/messages.hpp (and the atoms sgmc uses) with a
/// CAF config, under names of the form "sgmc.<struct>". Call on every node's config.
void register_messages(caf::actor_system_config& cfg);

}  // namespace sgmc::actors
