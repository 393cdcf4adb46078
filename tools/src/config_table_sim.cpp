// The keys of [sim] (engine/sim_params.hpp, docs/simulate.md): read by every command, used by
// `sgmc simulate` only.
#include "config_key_builders.hpp"

namespace sgmc::tools::detail {
namespace {

config_key duration_key(std::string_view name, auto get, std::string_view description) {
  const std::string full = fmt::format("sim.{}", name);
  auto read = [full](const toml::node& v, std::string_view k) -> expected<engine::duration_spec> {
    auto text = read_string(v, k);
    if (!text) return unexpected(text.error());
    return engine::parse_duration(*text, full);
  };
  return make_key(
      "sim", name,
      {"string", "D, fixed:D, uniform:A,B, exp:M or lognormal:M,S (units ns, us, ms, s)",
       description},
      read, get, [](const engine::duration_spec& d) { return toml_string(to_string(d)); });
}

}  // namespace

void add_sim_keys(std::vector<config_key>& keys) {
  keys.push_back(duration_key("compute", SGMC_FIELD(sim.compute),
                              "virtual time of one gradient (or local step) of a worker, drawn "
                              "per gradient; stragglers multiply it"));
  keys.push_back(duration_key("latency", SGMC_FIELD(sim.latency),
                              "one-way latency of every message, drawn per message (added to "
                              "`staleness.latency_ms`)"));
  keys.push_back(real_key("sim", "bandwidth_gbps", real_range{0.0, 1e6},
                          SGMC_FIELD(sim.bandwidth_gbps),
                          "each node sends its messages one after another at this rate, in "
                          "Gbit/s (0: transmission takes no time)"));
  keys.push_back(real_key("sim", "message_overhead_us", real_range{0.0, engine::k_max_sim_ns / 1e3},
                          SGMC_FIELD(sim.message_overhead_us),
                          "sender time per message, in µs (serialisation, system call)"));
  keys.push_back(duration_key("master_service", SGMC_FIELD(sim.master_service),
                              "time a master shard is busy with one push, pull or exchange, "
                              "drawn per message; messages wait while it is busy"));
  keys.push_back(int_key("sim", "seed", k_non_negative_int, SGMC_FIELD(sim.seed),
                         "seeds every draw of the simulator (0: the run's `seed`)"));
}

}  // namespace sgmc::tools::detail
