#include "sgmc/engine/clock.hpp"

#include "sgmc/engine/trace.hpp"

#include <ctime>

namespace sgmc::engine {

steady_run_clock::steady_run_clock() : start_(std::chrono::steady_clock::now()) {}

double steady_run_clock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

// The trace's time base: CLOCK_MONOTONIC, comparable across the nodes of one host.
std::uint64_t trace_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace sgmc::engine
