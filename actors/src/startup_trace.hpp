#pragma once
// Trace records of the start-up messages (hello, welcome, stop), which travel outside the
// protocol's messages.
#include "sgmc/engine/trace.hpp"
#include "sgmc/protocols/messages.hpp"

#include <cstdint>
#include <string>

namespace sgmc::actors::detail {

/// Records a start-up message (hello, welcome, stop) with its id `seq` in `trace` (if any).
/// These messages travel as (u64 id, message, ...) like the protocol's; the gate and an agent
/// take their ids from the counter they share with the actor they record as
/// (actor_context::ids).
void trace_startup(engine::trace_writer* trace, engine::trace_type type,
                   engine::trace_direction dir, engine::trace_actor me, engine::trace_actor peer,
                   std::uint64_t bytes, std::uint64_t t_ns, std::uint64_t seq);

/// The run id a welcome carries, and the welcome carrying one.
engine::trace_run_id run_id_of(const protocols::welcome& w);
void set_run_id(protocols::welcome& w, const engine::trace_run_id& id);
std::uint64_t bytes_of_hello(const protocols::hello& h);
std::uint64_t bytes_of_welcome();
std::uint64_t bytes_of_stop(const std::string& reason);

}  // namespace sgmc::actors::detail
