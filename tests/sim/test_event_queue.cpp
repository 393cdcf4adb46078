// sim::event_queue: events in virtual-time order, ties in scheduling order.
#include "sgmc/sim/event_queue.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using sgmc::sim::event_queue;

TEST_CASE("event queue pops events in time order and ties in the order they were pushed") {
  event_queue<std::string> q;
  q.push(30, "c");
  q.push(10, "a1");
  q.push(20, "b");
  q.push(10, "a2");
  q.push(0, "z");
  q.push(10, "a3");
  std::vector<std::string> got;
  std::vector<std::uint64_t> times;
  while (!q.empty()) {
    auto [t, s] = q.pop();
    times.push_back(t);
    got.push_back(s);
  }
  CHECK(got == std::vector<std::string>{"z", "a1", "a2", "a3", "b", "c"});
  CHECK(times == std::vector<std::uint64_t>{0, 10, 10, 10, 20, 30});
}

TEST_CASE("event queue reuses the slots of popped events and keeps the order under churn") {
  event_queue<int> q;
  std::uint64_t last = 0;
  int seen = 0;
  for (int i = 0; i < 1000; ++i) q.push(static_cast<std::uint64_t>((i * 7919) % 1000), i);
  while (!q.empty()) {
    auto [t, v] = q.pop();
    CHECK(t >= last);
    last = t;
    if (++seen < 3000) q.push(t + static_cast<std::uint64_t>(v % 13), v + 1);
  }
  CHECK(seen == 3000 + 999);
}
