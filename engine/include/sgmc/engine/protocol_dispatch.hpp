#pragma once
// Hands one protocol message to the protocol object it is addressed to: the handler of a master
// shard (push, pull, exchange) or of a worker (params, stop). What every driver of the protocol
// objects does with a delivered envelope: the deterministic protocol_driver and the simulator
// (sim/). A message the addressee does not take is errc::protocol naming both.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/protocols/worker.hpp"

namespace sgmc::engine {

expected<void> dispatch(protocols::master& m, const protocols::message& msg,
                        protocols::outbox& out);
expected<void> dispatch(protocols::worker& w, const protocols::message& msg,
                        protocols::outbox& out);

/// "push", "pull", "params", "exchange", "sample", "stop": a message's name in errors.
const char* message_name(const protocols::message& msg);

}  // namespace sgmc::engine
