#pragma once
// What the data channel's tests share (test_data_channel.cpp, test_data_channel_curve.cpp): a
// log sink whose lines can be waited for, a frame header as a stranger writes it, and a wait
// for the channel's counters. Every wait is bounded by k_wait.
#include "sgmc/actors/data_channel.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sgmc::actors::testing {

inline constexpr auto k_wait = std::chrono::seconds(10);
inline constexpr std::uint32_t k_magic = 0x43444753u;  // "SGDC"

// Log lines of a channel, waited for without sleeping.
struct log_lines {
  std::mutex mutex;
  std::condition_variable added;
  std::vector<std::string> lines;

  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        lines.push_back(line);
      }
      added.notify_all();
    };
  }
  // The first `n` lines, once there are that many (fewer after k_wait).
  std::vector<std::string> wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex);
    added.wait_for(lock, k_wait, [&] { return lines.size() >= n; });
    return lines;
  }
  // The lines so far.
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock(mutex);
    return lines;
  }
};

// A frame's 32-byte header (data_frame.hpp's layout), written by hand as a stranger would.
inline std::string header(std::uint32_t magic, std::uint32_t version, std::uint64_t channel,
                          std::uint64_t ticket, std::uint64_t n) {
  std::string h(32, '\0');
  std::memcpy(h.data(), &magic, 4);
  std::memcpy(h.data() + 4, &version, 4);
  std::memcpy(h.data() + 8, &channel, 8);
  std::memcpy(h.data() + 16, &ticket, 8);
  std::memcpy(h.data() + 24, &n, 8);
  return h;
}

// The channel's counters once `done` holds of them (as they are after k_wait otherwise).
template <class Pred>
data_channel_stats wait_stats(const data_channel& ch, Pred done) {
  const auto until = std::chrono::steady_clock::now() + k_wait;
  auto s = ch.stats();
  while (!done(s) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    s = ch.stats();
  }
  return s;
}

}  // namespace sgmc::actors::testing
