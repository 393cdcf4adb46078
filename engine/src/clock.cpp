#include "sgmc/engine/clock.hpp"

#include <fmt/format.h>

#include <ctime>

namespace sgmc::engine {

steady_run_clock::steady_run_clock() : start_(std::chrono::steady_clock::now()) {}

double steady_run_clock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}+00:00", buf, us);
}

}  // namespace sgmc::engine
