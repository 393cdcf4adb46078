#include "sgmc/tools/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sgmc::tools {
namespace {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt::format("{:.0f}s", std::ceil(s));
  if (s < 3600) return fmt::format("{}m{:02}s", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  return fmt::format("{}h{:02}m", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
}

}  // namespace

progress::progress(std::uint64_t steps, std::uint32_t chains, progress_options options)
    : steps_(steps),
      chains_(chains),
      total_(steps * chains),
      stride_(std::clamp<std::uint64_t>(total_ / 100, 1, 64)),
      options_(options),
      start_(std::chrono::steady_clock::now()) {}

double progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void progress::advance(std::uint64_t n) {
  const std::uint64_t before = done_.fetch_add(n, std::memory_order_relaxed);
  const std::uint64_t done = before + n;
  if (options_.quiet) return;
  // Look at the clock only every stride_ steps (and at the very end), not on every step.
  if (before / stride_ != done / stride_ || done == total_) maybe_print(done);
}

void progress::set_headline(std::string_view label, double value) {
  std::lock_guard lock(mutex_);
  headline_ = std::isfinite(value) ? fmt::format("{} {:.4g}", label, value) : std::string();
}

void progress::maybe_print(std::uint64_t done) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another chain is printing right now
  if (options_.live) {
    const double now = elapsed_s();
    if (last_print_s_ >= 0 && now - last_print_s_ < options_.min_interval_s && done != total_)
      return;
    last_print_s_ = now;
    print(done);
    return;
  }
  if (total_ == 0 || done * 10 < next_decile_ * total_) return;
  while (next_decile_ <= 10 && done * 10 >= next_decile_ * total_) ++next_decile_;
  print(done);
}

std::string progress::status(std::uint64_t done, double elapsed) {
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : NAN;
  const double pct = total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 0;
  std::string s = chains_ > 1 ? fmt::format("steps {}/{} ({} chains)", done, total_, chains_)
                              : fmt::format("step {}/{}", done, steps_);
  s += fmt::format(" {:3.0f}%  {:.0f} steps/s", pct, rate);
  if (!headline_.empty()) s += "  " + headline_;
  s += "  ETA " + format_duration(eta);
  return s;
}

void progress::print(std::uint64_t done) {
  const std::string s = status(done, elapsed_s());
  if (options_.live) {
    std::fprintf(options_.out, "\r%s\x1b[K", s.c_str());  // ESC[K clears the rest of the line
    line_open_ = true;
  } else {
    std::fprintf(options_.out, "%s\n", s.c_str());
  }
  std::fflush(options_.out);
}

void progress::finish() {
  std::lock_guard lock(mutex_);
  if (options_.quiet) return;
  if (options_.live) {
    print(done_.load());
    std::fputc('\n', options_.out);
    std::fflush(options_.out);
    line_open_ = false;
  }
}

}  // namespace sgmc::tools
