// Trace records of the start-up messages (startup_trace.hpp).
#include "startup_trace.hpp"

#include <cstring>

namespace sgmc::actors::detail {

void trace_startup(engine::trace_writer* trace, engine::trace_type type,
                   engine::trace_direction dir, engine::trace_actor me, engine::trace_actor peer,
                   std::uint64_t bytes, std::uint64_t t_ns, std::uint64_t seq) {
  if (trace == nullptr) return;
  engine::trace_event e;
  e.t_ns = t_ns;
  e.actor = me;
  e.peer = peer;
  e.type = type;
  e.dir = dir;
  e.bytes = bytes;
  e.seq = seq;
  trace->record(e);
}

engine::trace_run_id run_id_of(const protocols::welcome& w) {
  engine::trace_run_id id{};
  std::memcpy(id.data(), &w.run_id_lo, 8);
  std::memcpy(id.data() + 8, &w.run_id_hi, 8);
  return id;
}

void set_run_id(protocols::welcome& w, const engine::trace_run_id& id) {
  std::memcpy(&w.run_id_lo, id.data(), 8);
  std::memcpy(&w.run_id_hi, id.data() + 8, 8);
}

// As trace_points.cpp counts: strings as a length word and their characters.
std::uint64_t bytes_of_hello(const protocols::hello& h) {
  // role, worker, config hash, dim, data; wire version, sgmc version, the body's length.
  return 8 + h.role.size() + 4 + 8 + 8 + 8 + h.data.size() + 4 + 8 + h.sgmc_version.size() + 4;
}
std::uint64_t bytes_of_welcome() { return 4 + 8 + 4 + 4 + 8 + 8; }
std::uint64_t bytes_of_stop(const std::string& reason) { return 8 + reason.size(); }

}  // namespace sgmc::actors::detail
