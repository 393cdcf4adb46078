#pragma once
// The trace's clock (trace_now_ns, trace.hpp): CLOCK_MONOTONIC in ns, comparable across the
// processes of one host. Where the CPU has an invariant TSC and the kernel's clocksource is
// the TSC, it reads the TSC and converts with a line fitted to CLOCK_MONOTONIC: about a third
// of the cost of clock_gettime, which is the largest part of a trace record (docs/
// PERFORMANCE.md). The line is fitted over 2 ms on first use and re-fitted by the first
// reading after 10 ms, 50 ms, 250 ms and then every second, each time through a fresh (TSC,
// CLOCK_MONOTONIC) pair with the slope since the previous one: the converted time stays within
// about a microsecond of CLOCK_MONOTONIC (it may step by that much at a re-fit).
// SGMC_TRACE_CLOCK=kernel in the environment reads clock_gettime instead.
#include <cstdint>

namespace sgmc::engine::trace_clock {

/// CLOCK_MONOTONIC through the kernel (vDSO), in ns.
std::uint64_t kernel_ns();
/// CLOCK_REALTIME through the kernel, in ns since the Unix epoch.
std::uint64_t realtime_ns();
/// True when trace_now_ns() reads the TSC.
bool reads_tsc();

}  // namespace sgmc::engine::trace_clock
