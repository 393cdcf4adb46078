// The trace's clock (trace_clock.hpp).
#include "trace_clock.hpp"

#include "sgmc/engine/trace.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#define SGMC_TRACE_TSC 1
#endif

namespace sgmc::engine {
namespace trace_clock {

namespace {

std::uint64_t read_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

std::uint64_t kernel_ns() { return read_ns(CLOCK_MONOTONIC); }
std::uint64_t realtime_ns() { return read_ns(CLOCK_REALTIME); }

namespace {

#if SGMC_TRACE_TSC

constexpr std::uint64_t kFirstFitNs = 2'000'000;        // the first line: over 2 ms
constexpr std::uint64_t kFirstRefitNs = 10'000'000;     // then after 10 ms, 50, 250, ...
constexpr std::uint64_t kRefitEveryNs = 1'000'000'000;  // ... and every second

// Invariant TSC, the kernel keeping time with it, and not switched off.
bool tsc_usable() {
  if (const char* v = std::getenv("SGMC_TRACE_CLOCK"); v != nullptr && std::string(v) == "kernel")
    return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000007, &a, &b, &c, &d) == 0 || (d & (1u << 8)) == 0) return false;
  std::ifstream f("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  f >> source;
  return source == "tsc";
}

// 128-bit products (a GCC/Clang extension: __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

struct pair {
  std::int64_t tsc = 0;
  std::uint64_t ns = 0;
};

// A (TSC, CLOCK_MONOTONIC) pair read as close together as we can: the best of a few tries
// (a try that was preempted has a wide window).
pair read_pair() {
  pair best;
  std::uint64_t window = ~std::uint64_t{0};
  for (int i = 0; i < 7; ++i) {
    const std::uint64_t t0 = __rdtsc();
    const std::uint64_t ns = kernel_ns();
    const std::uint64_t t1 = __rdtsc();
    if (t1 - t0 < window) {
      window = t1 - t0;
      best = {static_cast<std::int64_t>(t0 + (t1 - t0) / 2), ns};
    }
  }
  return best;
}

// ns per tick × 2^32, from two pairs.
std::uint64_t slope(const pair& a, const pair& b) {
  const auto dt = static_cast<u128>(b.tsc - a.tsc);
  const auto dn = static_cast<u128>(b.ns - a.ns) << 32;
  return dt == 0 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(dn / dt);
}

class tsc_clock {
 public:
  tsc_clock() : usable_(tsc_usable()) {
    if (!usable_) return;
    const pair a = read_pair();
    while (kernel_ns() < a.ns + kFirstFitNs) {
    }
    const pair b = read_pair();
    last_ = b;
    set(b, slope(a, b), kFirstRefitNs);
  }

  bool usable() const { return usable_; }
  const detail::trace_tsc_line* line() const { return &line_; }

  // trace_now_ns's slow path: a re-fit when due, else the line.
  std::uint64_t now() {
    std::uint32_t s = 0;
    std::int64_t tsc0 = 0, due = 0;
    std::uint64_t ns0 = 0, mult = 0;
    do {
      s = line_.seq.load(std::memory_order_acquire);
      tsc0 = line_.tsc0.load(std::memory_order_relaxed);
      ns0 = line_.ns0.load(std::memory_order_relaxed);
      mult = line_.mult.load(std::memory_order_relaxed);
      due = line_.due.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
    } while ((s & 1) != 0 || line_.seq.load(std::memory_order_relaxed) != s);
    const std::int64_t d = static_cast<std::int64_t>(__rdtsc()) - tsc0;
    if (d >= due) {
      if (auto fresh = refit()) return *fresh;
    }
    const auto off = static_cast<std::int64_t>((static_cast<i128>(d) * mult) >> 32);
    return ns0 + static_cast<std::uint64_t>(off);
  }

 private:
  // Fits the line again through a fresh pair, with the slope since the previous one; returns
  // the time now, or nullopt when another thread is at it (the caller uses the old line).
  std::optional<std::uint64_t> refit() {
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return std::nullopt;
    const pair p = read_pair();
    if (p.ns < last_.ns + interval_ / 2) return p.ns;  // just re-fitted by another thread
    const auto mult = slope(last_, p);
    last_ = p;
    interval_ = std::min(interval_ * 5, kRefitEveryNs);
    set(p, mult, interval_);
    return p.ns;
  }

  // Installs the line through p with slope mult, to be re-fitted `refit_ns` later.
  void set(const pair& p, std::uint64_t mult, std::uint64_t refit_ns) {
    const auto due = static_cast<std::int64_t>((static_cast<u128>(refit_ns) << 32) /
                                               std::max<std::uint64_t>(mult, 1));
    const auto s = line_.seq.load(std::memory_order_relaxed);
    line_.seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    line_.tsc0.store(p.tsc, std::memory_order_relaxed);
    line_.ns0.store(p.ns, std::memory_order_relaxed);
    line_.mult.store(mult, std::memory_order_relaxed);
    line_.due.store(due, std::memory_order_relaxed);
    line_.seq.store(s + 2, std::memory_order_release);
  }

  const bool usable_;
  detail::trace_tsc_line line_;  // one writer at a time: mu_
  std::mutex mu_;                // refit(), and what follows
  pair last_;
  std::uint64_t interval_ = kFirstRefitNs;
};

// The clock, fitted on first use and then published to trace_now_ns's fast path; null where
// the TSC is not usable.
tsc_clock* tsc() {
  static tsc_clock* const c = [] {
    auto* x = new tsc_clock;  // never destroyed: threads may read it until the process ends
    if (!x->usable()) {
      delete x;
      return static_cast<tsc_clock*>(nullptr);
    }
    detail::trace_tsc.store(x->line(), std::memory_order_release);
    return x;
  }();
  return c;
}

#endif

}  // namespace

bool reads_tsc() {
#if SGMC_TRACE_TSC
  return tsc() != nullptr;
#else
  return false;
#endif
}

}  // namespace trace_clock

namespace detail {

std::atomic<const trace_tsc_line*> trace_tsc{nullptr};

std::uint64_t trace_now_slow() {
#if SGMC_TRACE_TSC
  if (auto* c = trace_clock::tsc()) return c->now();
#endif
  return trace_clock::kernel_ns();
}

}  // namespace detail

}  // namespace sgmc::engine
