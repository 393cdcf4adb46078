#pragma once
// `[staleness]`: staleness injected by the actors layer (delayed delivery), never by a
// protocol. See docs/config.md for the keys and docs/protocols.md for what each does.
//
//   delay = "none" | "fixed:K" | "uniform:A,B" | "exp:M"       extra delay in master versions:
//           a worker is answered with θ from K versions back (K drawn per answer; uniform on
//           the integers A..B, exponential with mean M rounded down)
//   delay = "fixed:Xms" | "uniform:A,Bms" | "exp:Mms"         the same in milliseconds: every
//           push is held that long before the master sees it
//   latency_ms = L                 every message between nodes arrives L ms late
//   link_latency_ms = { "2" = 10 } messages to and from worker 2 arrive 10 ms late (added)
//   stragglers = { "1" = 3.0 }     worker 1 takes 3x its measured compute time per gradient
#include "sgmc/core/error.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace sgmc::engine {

/// The longest delay or latency in milliseconds (one hour): larger values would overflow the
/// clocks that schedule a delayed message. Delays in versions are bounded by k_max_version_delay.
inline constexpr double k_max_delay_ms = 3'600'000.0;
/// The longest delay in versions: a master keeps one θ slice per version of delay.
inline constexpr double k_max_version_delay = 1000.0;

struct delay_spec {
  enum class distribution : std::uint8_t { none, fixed, uniform, exponential };
  enum class unit : std::uint8_t { versions, milliseconds };
  distribution dist = distribution::none;
  unit in = unit::versions;
  double a = 0.0;  ///< fixed: K; uniform: A; exponential: the mean M
  double b = 0.0;  ///< uniform: B
};

/// Parses the `delay` syntax above; errc::invalid_config naming staleness.delay and the text.
expected<delay_spec> parse_delay(const std::string& text);
std::string to_string(const delay_spec& d);

struct staleness_params {
  delay_spec delay;
  double latency_ms = 0.0;                          ///< in [0, k_max_delay_ms], every link
  std::map<std::uint32_t, double> link_latency_ms;  ///< worker -> extra ms, in [0, k_max_delay_ms]
  std::map<std::uint32_t, double> stragglers;       ///< worker -> slow-down factor (>= 1)
};

/// Ranges (and worker indices < workers); errc::invalid_config naming staleness.<key>.
expected<void> validate(const staleness_params& p, std::uint32_t workers);

}  // namespace sgmc::engine
