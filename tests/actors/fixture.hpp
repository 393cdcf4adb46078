#pragma once
// Actor tests on CAF 0.17's deterministic scheduler (scheduler.policy = testing): one thread,
// messages consumed one by one, and delayed messages fire only when the test triggers the
// virtual clock, so no test ever sleeps. (caf/test/dsl.hpp's fixture is tied to CAF's own test
// engine and its main(); this is the same loop, usable from Catch2.)
#include "sgmc/actors/runtime.hpp"
#include "sgmc/actors/topology.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/sample_sink.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::actors::test {

class test_config : public caf::actor_system_config {
 public:
  test_config();
};

/// A sink that keeps every draw in memory.
class memory_sink final : public engine::sample_sink {
 public:
  expected<void> on_draw(const protocols::draw& d) override;
  expected<void> on_finish(const engine::run_report& s) override;
  void on_error(const error& e) override;

  std::vector<protocols::draw> draws;
  std::optional<engine::run_report> finished;
  std::optional<error> failed;
  std::optional<std::uint64_t> fail_at_draw;  ///< make on_draw fail at this draw count
};

/// A log that keeps its lines.
struct log_lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  log_fn fn();
  bool contains(const std::string& text);
};

struct deterministic_fixture {
  deterministic_fixture();
  /// Runs what is left (the supervisor's shutdown of every actor), so that the actor system,
  /// which waits for its actors, can be destroyed.
  ~deterministic_fixture();

  /// Consumes messages; when none is left, fires the next delayed message (advancing the
  /// virtual clock). Stops when `done()` turns true or nothing is left; returns the events.
  template <class Pred>
  std::size_t run_until(Pred done, std::size_t max_events = 2'000'000) {
    std::size_t events = 0;
    while (!done() && events < max_events) {
      if (sched.try_run_once() || sched.trigger_timeout())
        ++events;
      else
        break;
    }
    return events;
  }
  /// Consumes messages only (no delayed message fires).
  std::size_t run_messages() { return sched.run(); }

  /// Spawns a run of `parts` (kept here, with their gradient sources, until the fixture goes);
  /// its outcome lands in `result`.
  topology start(engine::run_parts parts, actor_context ctx = {},
                 std::chrono::milliseconds watchdog = std::chrono::milliseconds(60000));
  /// Runs until the run's outcome is in, then until every actor has shut down (so that what
  /// they point to, e.g. gradient sources, may go).
  void finish() {
    run_until([this] { return result.has_value(); });
    run_until([] { return false; });
  }

  test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::optional<expected<engine::run_report>> result;
  engine::run_parts parts;
};

/// A fresh folder per test (ctest runs cases as separate processes).
std::filesystem::path scratch_dir(const std::string& name);

}  // namespace sgmc::actors::test
