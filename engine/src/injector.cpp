#include "sgmc/engine/injector.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sgmc::engine {
namespace {

using dist = delay_spec::distribution;

bool in_versions(const delay_spec& d) {
  return d.dist != dist::none && d.in == delay_spec::unit::versions;
}

bool in_ms(const delay_spec& d) {
  return d.dist != dist::none && d.in == delay_spec::unit::milliseconds;
}

std::chrono::nanoseconds from_ms(double ms) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ms * 1e6)));
}

}  // namespace

injector::injector(staleness_params params, std::uint64_t seed, std::uint32_t owner)
    : params_(std::move(params)),
      rng_(core::rng_key{
          seed, owner, 0,
          static_cast<core::rng_stream>(static_cast<std::uint32_t>(core::rng_stream::user) + 1)}) {}

bool injector::delays_versions() const { return in_versions(params_.delay); }

std::size_t injector::history_depth() const {
  const auto& d = params_.delay;
  if (!in_versions(d)) return 1;
  switch (d.dist) {
    case dist::fixed:
      return static_cast<std::size_t>(d.a) + 1;
    case dist::uniform:
      return static_cast<std::size_t>(d.b) + 1;
    case dist::exponential:
      return static_cast<std::size_t>(std::ceil(8.0 * d.a)) + 1;
    case dist::none:
      break;
  }
  return 1;
}

double injector::draw(const delay_spec& d) {
  switch (d.dist) {
    case dist::none:
      return 0.0;
    case dist::fixed:
      return d.a;
    case dist::uniform:
      if (d.in == delay_spec::unit::versions) {
        const auto span = static_cast<std::uint64_t>(d.b - d.a) + 1;
        return d.a + static_cast<double>(rng_.below(span));
      }
      return d.a + (d.b - d.a) * rng_.uniform();
    case dist::exponential:
      return -d.a * std::log1p(-rng_.uniform());
  }
  return 0.0;
}

std::uint64_t injector::next_version_delay() {
  if (!delays_versions()) return 0;
  const double k = std::floor(draw(params_.delay));
  const auto cap = static_cast<double>(history_depth() - 1);
  return static_cast<std::uint64_t>(std::clamp(k, 0.0, cap));
}

bool injector::delays_messages() const {
  return params_.latency_ms > 0.0 || !params_.link_latency_ms.empty() || in_ms(params_.delay);
}

std::chrono::nanoseconds injector::message_delay(std::optional<std::uint32_t> worker,
                                                 bool is_push) {
  double ms = params_.latency_ms;
  if (worker) {
    auto it = params_.link_latency_ms.find(*worker);
    if (it != params_.link_latency_ms.end()) ms += it->second;
  }
  if (is_push && in_ms(params_.delay)) ms += draw(params_.delay);
  return from_ms(ms);
}

double injector::straggler_factor(std::uint32_t worker) const {
  auto it = params_.stragglers.find(worker);
  return it == params_.stragglers.end() ? 1.0 : it->second;
}

}  // namespace sgmc::engine
