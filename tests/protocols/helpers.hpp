#pragma once
// Shared set-ups of the protocol tests: driver configurations on cheap targets, and small
// helpers to script events.

#include "../samplers/sources.hpp"
#include "sgmc/engine/protocol_driver.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace sgmc::test {

namespace pr = sgmc::protocols;

using engine::driver_event;
using engine::protocol_driver;
using engine::protocol_driver_config;

/// A run of `kind` with W workers and S shards on quadratic_source (N(0.5, 2 I), optional
/// synthetic gradient noise), θ_0 = a fixed normal draw, SGLD with ε = 0.01.
inline protocol_driver_config quadratic_config(pr::protocol_kind kind, std::uint32_t workers,
                                               std::uint32_t shards, std::size_t dim,
                                               std::uint64_t steps, double grad_noise = 0.5) {
  protocol_driver_config c;
  c.protocol.kind = kind;
  c.protocol.workers = workers;
  c.protocol.shards = shards;
  c.run.steps = steps;
  c.run.seed = 42;
  c.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  c.sampler.step_size = 0.01;
  c.theta0.resize(dim);
  core::fill_normal({3, 0, 0, core::rng_stream::init}, 0, c.theta0);
  c.source = [dim, grad_noise](pr::worker_id) {
    return std::make_unique<quadratic_source>(dim, 0.5, 2.0, grad_noise);
  };
  return c;
}

inline std::unique_ptr<protocol_driver> make_driver(protocol_driver_config c) {
  auto d = protocol_driver::make(std::move(c));
  if (!d) FAIL(d.error().message);
  return std::move(*d);
}

/// REQUIREs that an expected<...> holds a value, printing the error otherwise.
#define SGMC_REQUIRE_OK(expr)                                \
  do {                                                       \
    auto sgmc_r_ = (expr);                                   \
    if (!sgmc_r_.has_value()) FAIL(sgmc_r_.error().message); \
  } while (false)

/// Predicates on queued events.
inline auto push_from(pr::worker_id w) {
  return [w](const driver_event& e) {
    return !e.compute && std::holds_alternative<pr::push>(e.env.msg) && e.from.index == w;
  };
}
inline auto compute_of(pr::worker_id w) {
  return [w](const driver_event& e) { return e.compute && e.from.index == w; };
}
inline auto params_to(pr::worker_id w) {
  return [w](const driver_event& e) {
    return !e.compute && std::holds_alternative<pr::theta_reply>(e.env.msg) &&
           e.env.to == pr::worker_at(w);
  };
}
inline auto any_event() {
  return [](const driver_event&) { return true; };
}

/// Runs the first event matching pred; REQUIREs there is one.
template <class Pred>
void run_first(protocol_driver& d, Pred pred, const char* what) {
  auto r = d.deliver_first(pred);
  if (!r) FAIL(r.error().message);
  INFO(what);
  REQUIRE(*r);
}

inline bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace sgmc::test
