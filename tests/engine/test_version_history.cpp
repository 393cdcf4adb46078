// engine::version_history: what the master actor serves for injected version delays and the
// protocol test driver for its params lag.
#include "sgmc/engine/version_history.hpp"

#include <catch2/catch.hpp>

#include <vector>

using sgmc::engine::version_history;
namespace pr = sgmc::protocols;

namespace {

pr::theta_reply params_at(pr::version_t v, std::size_t n) {
  pr::theta_reply p;
  p.version = v;
  p.data.values.assign(n, static_cast<float>(v));
  return p;
}

version_history filled(std::size_t depth, pr::version_t upto, std::size_t n = 3) {
  version_history h(depth);
  for (pr::version_t v = 0; v <= upto; ++v) {
    const std::vector<float> theta(n, static_cast<float>(v));
    h.keep(v, theta);
  }
  return h;
}

}  // namespace

TEST_CASE("version_history serves the newest kept version at or before v - k") {
  auto h = filled(8, 10);
  auto p = params_at(10, 3);
  CHECK(h.serve(p, 4));
  CHECK(p.version == 6);
  CHECK(p.data.values == std::vector<float>(3, 6.0f));
}

TEST_CASE("version_history keeps at most its depth, so the oldest it can serve is bounded") {
  auto h = filled(4, 10);
  CHECK(h.size() == 4);  // versions 7..10
  auto p = params_at(10, 3);
  CHECK_FALSE(h.serve(p, 5));  // version 5 is gone: answered unchanged
  CHECK(p.version == 10);
  auto q = params_at(10, 3);
  CHECK(h.serve(q, 3));
  CHECK(q.version == 7);
}

TEST_CASE("version_history leaves an answer alone without a delay, or when sizes differ") {
  auto h = filled(8, 10);
  auto p = params_at(10, 3);
  CHECK_FALSE(h.serve(p, 0));
  CHECK(p.version == 10);
  auto q = params_at(10, 5);  // another slice's size
  CHECK_FALSE(h.serve(q, 2));
  CHECK(q.version == 10);
}

TEST_CASE("version_history ignores a repeated or older version") {
  version_history h(4);
  const std::vector<float> a(2, 1.0f), b(2, 2.0f);
  h.keep(3, a);
  h.keep(3, b);
  h.keep(2, b);
  CHECK(h.size() == 1);
  auto p = params_at(5, 2);
  CHECK(h.serve(p, 2));
  CHECK(p.version == 3);
  CHECK(p.data.values == a);
}

TEST_CASE("version_history clamps a delay larger than the version to version 0") {
  auto h = filled(16, 5);
  auto p = params_at(5, 3);
  CHECK(h.serve(p, 100));
  CHECK(p.version == 0);
}
