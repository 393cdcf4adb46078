#include "sgmc/engine/protocol_dispatch.hpp"

#include <fmt/format.h>

namespace sgmc::engine {

const char* message_name(const protocols::message& msg) {
  constexpr const char* names[] = {"push", "pull", "params", "exchange", "sample", "stop"};
  return names[msg.index()];
}

expected<void> dispatch(protocols::master& m, const protocols::message& msg,
                        protocols::outbox& out) {
  if (auto* x = std::get_if<protocols::push>(&msg)) return m.on_push(*x, out);
  if (auto* x = std::get_if<protocols::pull>(&msg)) return m.on_pull(*x, out);
  if (auto* x = std::get_if<protocols::exchange>(&msg)) return m.on_exchange(*x, out);
  return make_error(errc::protocol,
                    fmt::format("a {} message sent to a master shard", message_name(msg)));
}

expected<void> dispatch(protocols::worker& w, const protocols::message& msg,
                        protocols::outbox& out) {
  if (auto* x = std::get_if<protocols::theta_reply>(&msg)) return w.on_theta_reply(*x, out);
  if (auto* x = std::get_if<protocols::stop>(&msg)) return w.on_stop(*x, out);
  return make_error(errc::protocol,
                    fmt::format("a {} message sent to worker {}", message_name(msg), w.id()));
}

}  // namespace sgmc::engine
