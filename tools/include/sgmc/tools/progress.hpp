#pragma once
// Progress of a run, on stdout.
//  - live (a terminal): one line rewritten in place with '\r' — steps done, steps/s, the latest
//    headline metric (e.g. predictive accuracy), ETA — at most every `min_interval_s`;
//  - plain (a pipe or file): one line each time the run passes another 10 % of its steps.
// Chains report from their own threads; every method is thread-safe and advance() is cheap
// (one atomic add and, every 64 steps at most, a clock read).

#include "sgmc/engine/progress_sink.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace sgmc::tools {

struct progress_options {
  bool live = false;            ///< rewrite one line in place (stdout is a terminal)
  bool quiet = false;           ///< print nothing at all
  double min_interval_s = 0.1;  ///< live mode: at most this often
  std::FILE* out = stdout;
};

class progress final : public engine::progress_sink {
 public:
  /// `steps` per chain, `chains` chains.
  progress(std::uint64_t steps, std::uint32_t chains, progress_options options);

  /// `n` more steps done by some chain.
  void advance(std::uint64_t n = 1) override;
  /// The metric shown next to the step count, e.g. ("acc", 0.853).
  void set_headline(std::string_view label, double value) override;
  /// Ends the live line (a newline) so that what follows starts on a fresh line.
  void finish();

  /// The status text for `done` of `total` steps after `elapsed_s` seconds (no '\r').
  std::string status(std::uint64_t done, double elapsed_s);

 private:
  void maybe_print(std::uint64_t done);
  void print(std::uint64_t done);
  double elapsed_s() const;

  const std::uint64_t steps_;
  const std::uint32_t chains_;
  const std::uint64_t total_;
  const std::uint64_t stride_;  ///< steps between two looks at the clock
  const progress_options options_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mutex_;  // guards everything below
  std::string headline_;
  double last_print_s_ = -1.0;
  std::uint64_t next_decile_ = 1;  ///< plain mode: next 10 % mark to report
  bool line_open_ = false;
};

}  // namespace sgmc::tools
