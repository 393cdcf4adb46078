#pragma once
// `[sim]`: what `sgmc simulate` models in virtual time (docs/simulate.md). The plain struct and
// the syntax of its durations live here, beside the other sections of run_config; the
// simulator that draws from them is sim/.
//
//   compute = "fixed:1ms"          time of one gradient (or local step) of a worker
//   latency = "fixed:50us"         one-way latency of every message
//   bandwidth_gbps = 10            each endpoint sends at this rate (Gbit/s; 0: unlimited)
//   message_overhead_us = 1        sender time per message (serialisation, system call)
//   master_service = "fixed:2us"   time a master shard is busy per push, pull or exchange
//   seed = 0                       seeds every draw of the simulator (0: the run's seed)
//
// A duration is "D" or "fixed:D", "uniform:A,B", "exp:M" (mean M) or "lognormal:M,S" (median
// M, σ = S of ln t), each D, A, B, M a number with a unit: ns, us, ms or s ("0" needs none).
// [staleness] keys keep their meaning in virtual time (stragglers multiply the compute time).
#include "sgmc/core/error.hpp"

#include <cstdint>
#include <string>

namespace sgmc::engine {

/// The longest duration of [sim], in ns (one hour, as staleness's k_max_delay_ms).
inline constexpr double k_max_sim_ns = 3.6e12;
/// The largest σ of a lognormal duration.
inline constexpr double k_max_lognormal_sigma = 4.0;

struct duration_spec {
  enum class distribution : std::uint8_t { fixed, uniform, exponential, lognormal };
  distribution dist = distribution::fixed;
  double a = 0.0;  ///< ns: fixed D; uniform A; exponential mean M; lognormal median M
  double b = 0.0;  ///< ns: uniform B; lognormal: σ (no unit)
};

/// Parses the syntax above; errc::invalid_config naming `key` and the text.
expected<duration_spec> parse_duration(const std::string& text, const std::string& key);
/// The text parse_duration reads back ("fixed:1ms", "uniform:1ms,3ms", "lognormal:2ms,0.5").
std::string to_string(const duration_spec& d);
/// The mean in ns.
double mean_ns(const duration_spec& d);

struct sim_params {
  duration_spec compute{duration_spec::distribution::fixed, 1e6};
  duration_spec latency{duration_spec::distribution::fixed, 50e3};
  double bandwidth_gbps = 10.0;      ///< in [0, 1e6]; 0: messages take no transmission time
  double message_overhead_us = 1.0;  ///< in [0, 3.6e9]
  duration_spec master_service{duration_spec::distribution::fixed, 2e3};
  std::uint64_t seed = 0;  ///< 0: the run's seed
};

/// Ranges; errc::invalid_config naming sim.<key>.
expected<void> validate(const sim_params& p);

}  // namespace sgmc::engine
