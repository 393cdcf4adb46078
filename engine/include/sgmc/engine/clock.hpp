#pragma once
// The engine's only source of time: an injected clock. A real run gives a steady clock started
// with the run; the simulator gives its virtual clock; tests give a manual one. Metrics'
// `wall_s` and the output writer's timings read it, nothing in the engine reads the system
// clock itself (the trace writer's record timestamps come from its callers).
#include <chrono>
#include <string>

namespace sgmc::engine {

class clock {
 public:
  virtual ~clock() = default;
  /// Seconds since the run started.
  virtual double seconds() const = 0;
};

/// std::chrono::steady_clock, counting from its construction (or from `start`).
class steady_run_clock final : public clock {
 public:
  steady_run_clock();
  explicit steady_run_clock(std::chrono::steady_clock::time_point start) : start_(start) {}
  double seconds() const override;

 private:
  std::chrono::steady_clock::time_point start_;
};

/// A clock that shows what it is set to (tests, virtual time).
class manual_clock final : public clock {
 public:
  double seconds() const override { return now_; }
  void set(double seconds) { now_ = seconds; }

 private:
  double now_ = 0.0;
};

/// The wall-clock time now in UTC, ISO 8601 with microseconds ("2026-12-04T18:31:30.642153
/// +00:00" without the space), as ArviZ writes `created_at`.
std::string utc_now_iso();

}  // namespace sgmc::engine
