#include "sgmc/engine/sim_params.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace sgmc::engine {
namespace {

using dist = duration_spec::distribution;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

struct unit {
  std::string_view suffix;
  double ns;
};
constexpr unit k_units[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};

/// "2ms" → 2e6; "0" → 0.
std::optional<double> parse_time(std::string_view s) {
  s = trim(s);
  for (const auto& u : k_units) {
    if (s.size() <= u.suffix.size() || s.substr(s.size() - u.suffix.size()) != u.suffix) continue;
    const std::string_view num = s.substr(0, s.size() - u.suffix.size());
    // "2ms" ends in "s" too: only take "s" when what is left is a number.
    if (auto v = parse_number(num)) return *v * u.ns;
  }
  if (auto v = parse_number(s); v && *v == 0.0) return 0.0;
  return std::nullopt;
}

std::string format_time(double ns) {
  const unit* best = &k_units[0];
  for (const auto& u : k_units)
    if (ns >= u.ns) best = &u;
  return fmt::format("{}{}", ns / best->ns, best->suffix);
}

unexpected bad(const std::string& key, const std::string& text, const std::string& why) {
  return make_error(errc::invalid_config,
                    fmt::format("{}: cannot use \"{}\": {} (expected D, fixed:D, uniform:A,B, "
                                "exp:M or lognormal:M,S with units ns, us, ms or s, e.g. 2ms)",
                                key, text, why));
}

std::string check_values(const duration_spec& d) {
  if (!(d.a >= 0)) return "durations must be >= 0";
  if (d.dist == dist::uniform && !(d.b >= d.a)) return "uniform:A,B needs A <= B";
  if (d.dist == dist::exponential && !(d.a > 0)) return "the mean of exp:M must be > 0";
  if (d.dist == dist::lognormal && !(d.a > 0)) return "the median of lognormal:M,S must be > 0";
  if (d.dist == dist::lognormal && !(d.b >= 0 && d.b <= k_max_lognormal_sigma))
    return fmt::format("the σ of lognormal:M,S must be in [0, {}]", k_max_lognormal_sigma);
  const double top = d.dist == dist::uniform ? d.b : d.a;
  if (top > k_max_sim_ns) return "at most one hour (3600s)";
  return "";
}

/// Splits "A,B" (or "A:B").
std::optional<std::pair<std::string_view, std::string_view>> two(std::string_view s) {
  auto cut = s.find(',');
  if (cut == std::string_view::npos) cut = s.find(':');
  if (cut == std::string_view::npos) return std::nullopt;
  return std::pair{s.substr(0, cut), s.substr(cut + 1)};
}

expected<duration_spec> parse_args(dist kind, std::string_view args, const std::string& key,
                                   const std::string& text) {
  duration_spec d;
  d.dist = kind;
  if (kind == dist::fixed || kind == dist::exponential) {
    auto a = parse_time(args);
    if (!a) return bad(key, text, "not a duration with a unit");
    d.a = *a;
    return d;
  }
  auto parts = two(args);
  if (!parts) return bad(key, text, "two values A,B are needed");
  auto a = parse_time(parts->first);
  auto b = kind == dist::uniform ? parse_time(parts->second) : parse_number(parts->second);
  if (!a || !b) return bad(key, text, "not a duration with a unit");
  d.a = *a;
  d.b = *b;
  return d;
}

}  // namespace

expected<duration_spec> parse_duration(const std::string& text, const std::string& key) {
  const std::string_view s = trim(text);
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) {
    auto a = parse_time(s);
    if (!a) return bad(key, text, "not a duration with a unit");
    duration_spec d{dist::fixed, *a, 0.0};
    if (auto why = check_values(d); !why.empty()) return bad(key, text, why);
    return d;
  }
  const std::string_view name = s.substr(0, colon);
  dist kind = dist::fixed;
  if (name == "fixed")
    kind = dist::fixed;
  else if (name == "uniform")
    kind = dist::uniform;
  else if (name == "exp")
    kind = dist::exponential;
  else if (name == "lognormal")
    kind = dist::lognormal;
  else
    return bad(key, text, fmt::format("unknown distribution \"{}\"", name));
  auto d = parse_args(kind, s.substr(colon + 1), key, text);
  if (!d) return d;
  if (auto why = check_values(*d); !why.empty()) return bad(key, text, why);
  return d;
}

std::string to_string(const duration_spec& d) {
  switch (d.dist) {
    case dist::fixed:
      return "fixed:" + format_time(d.a);
    case dist::uniform:
      return fmt::format("uniform:{},{}", format_time(d.a), format_time(d.b));
    case dist::exponential:
      return "exp:" + format_time(d.a);
    case dist::lognormal:
      return fmt::format("lognormal:{},{}", format_time(d.a), d.b);
  }
  return "fixed:0ns";
}

double mean_ns(const duration_spec& d) {
  switch (d.dist) {
    case dist::fixed:
    case dist::exponential:
      return d.a;
    case dist::uniform:
      return 0.5 * (d.a + d.b);
    case dist::lognormal:
      return d.a * std::exp(0.5 * d.b * d.b);
  }
  return d.a;
}

expected<void> validate(const sim_params& p) {
  const std::pair<const char*, const duration_spec*> durations[] = {
      {"sim.compute", &p.compute},
      {"sim.latency", &p.latency},
      {"sim.master_service", &p.master_service}};
  for (const auto& [key, d] : durations)
    if (auto why = check_values(*d); !why.empty())
      return make_error(errc::invalid_config,
                        fmt::format("{}: {} (got \"{}\")", key, why, to_string(*d)));
  if (!(p.bandwidth_gbps >= 0 && p.bandwidth_gbps <= 1e6))
    return make_error(
        errc::invalid_config,
        fmt::format("sim.bandwidth_gbps must be in [0, 1e6], got {}", p.bandwidth_gbps));
  if (!(p.message_overhead_us >= 0 && p.message_overhead_us <= k_max_sim_ns / 1e3))
    return make_error(errc::invalid_config,
                      fmt::format("sim.message_overhead_us must be in [0, 3.6e9], got {}",
                                  p.message_overhead_us));
  return {};
}

}  // namespace sgmc::engine
