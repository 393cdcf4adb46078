#include "sgmc/engine/staleness.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace sgmc::engine {
namespace {

using dist = delay_spec::distribution;

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

unexpected bad_delay(const std::string& text, const std::string& why) {
  return make_error(errc::invalid_config,
                    fmt::format("staleness.delay: cannot use \"{}\": {} (expected none, fixed:K, "
                                "uniform:A,B or exp:M, in versions or with an ms suffix)",
                                text, why));
}

// Checks the values of a parsed spec; "" when they are fine.
std::string check_values(const delay_spec& d) {
  const bool versions = d.in == delay_spec::unit::versions;
  auto integral = [](double v) { return std::floor(v) == v; };
  switch (d.dist) {
    case dist::none:
      return "";
    case dist::fixed:
      if (d.a < 0) return "the delay must be >= 0";
      if (versions && !integral(d.a)) return "a delay in versions must be a whole number";
      break;
    case dist::uniform:
      if (d.a < 0 || d.b < d.a) return "uniform:A,B needs 0 <= A <= B";
      if (versions && !(integral(d.a) && integral(d.b)))
        return "a delay in versions must be a whole number";
      break;
    case dist::exponential:
      if (!(d.a > 0)) return "the mean of exp:M must be > 0";
      break;
  }
  const double top = d.dist == dist::uniform ? d.b : d.a;
  if (versions && top > k_max_version_delay)
    return fmt::format("at most {} versions", k_max_version_delay);
  if (!versions && top > k_max_delay_ms)
    return fmt::format("at most {} ms (one hour)", k_max_delay_ms);
  return "";
}

std::string format_number(double v) { return fmt::format("{}", v); }

}  // namespace

expected<delay_spec> parse_delay(const std::string& text) {
  delay_spec d;
  std::string_view s = text;
  if (s.empty() || s == "none") return d;
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return bad_delay(text, "no ':' after the distribution");
  const std::string_view name = s.substr(0, colon);
  std::string_view args = s.substr(colon + 1);
  if (args.size() >= 2 && args.substr(args.size() - 2) == "ms") {
    d.in = delay_spec::unit::milliseconds;
    args.remove_suffix(2);
  }
  if (name == "fixed" || name == "exp") {
    d.dist = name == "fixed" ? dist::fixed : dist::exponential;
    auto a = parse_number(args);
    if (!a) return bad_delay(text, "not a number");
    d.a = *a;
  } else if (name == "uniform") {
    d.dist = dist::uniform;
    const auto comma = args.find(',');
    if (comma == std::string_view::npos) return bad_delay(text, "uniform needs two bounds A,B");
    auto a = parse_number(args.substr(0, comma));
    auto b = parse_number(args.substr(comma + 1));
    if (!a || !b) return bad_delay(text, "not a number");
    d.a = *a;
    d.b = *b;
  } else {
    return bad_delay(text, fmt::format("unknown distribution \"{}\"", name));
  }
  if (auto why = check_values(d); !why.empty()) return bad_delay(text, why);
  return d;
}

std::string to_string(const delay_spec& d) {
  const char* unit = d.in == delay_spec::unit::milliseconds ? "ms" : "";
  switch (d.dist) {
    case dist::none:
      return "none";
    case dist::fixed:
      return fmt::format("fixed:{}{}", format_number(d.a), unit);
    case dist::uniform:
      return fmt::format("uniform:{},{}{}", format_number(d.a), format_number(d.b), unit);
    case dist::exponential:
      return fmt::format("exp:{}{}", format_number(d.a), unit);
  }
  return "none";
}

expected<void> validate(const staleness_params& p, std::uint32_t workers) {
  if (auto why = check_values(p.delay); !why.empty())
    return make_error(errc::invalid_config,
                      fmt::format("staleness.delay: {} (got \"{}\")", why, to_string(p.delay)));
  if (!(p.latency_ms >= 0 && p.latency_ms <= k_max_delay_ms))
    return make_error(errc::invalid_config,
                      fmt::format("staleness.latency_ms must be in [0, {}] (one hour), got {}",
                                  k_max_delay_ms, p.latency_ms));
  for (const auto& [w, ms] : p.link_latency_ms) {
    if (w >= workers)
      return make_error(errc::invalid_config,
                        fmt::format("staleness.link_latency_ms: worker {} does not exist "
                                    "(protocol.workers = {})",
                                    w, workers));
    if (!(ms >= 0 && ms <= k_max_delay_ms))
      return make_error(errc::invalid_config,
                        fmt::format("staleness.link_latency_ms: worker {} must be in [0, {}] "
                                    "(one hour), got {}",
                                    w, k_max_delay_ms, ms));
  }
  for (const auto& [w, factor] : p.stragglers) {
    if (w >= workers)
      return make_error(errc::invalid_config,
                        fmt::format("staleness.stragglers: worker {} does not exist "
                                    "(protocol.workers = {})",
                                    w, workers));
    if (!std::isfinite(factor) || factor < 1)
      return make_error(
          errc::invalid_config,
          fmt::format("staleness.stragglers: worker {} needs a factor >= 1, got {}", w, factor));
  }
  return {};
}

}  // namespace sgmc::engine
