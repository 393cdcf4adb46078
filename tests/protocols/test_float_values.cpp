// protocols::float_values: a payload's floats, owned as a vector or adopted from a buffer whose
// owner is type-erased (the data channel adopts ZeroMQ's messages). Reading never copies,
// copies of an adopted buffer share it, the owner lives exactly as long as the last copy, and
// writing copies the buffer first, counted in float_values::copies().
#include "sgmc/protocols/float_values.hpp"
#include "sgmc/protocols/messages.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <numeric>
#include <vector>

namespace pr = sgmc::protocols;

namespace {

// A buffer of n floats 0, 1, 2, ... whose owner sets *freed when it is destroyed.
struct tracked_buffer {
  tracked_buffer(std::size_t n, bool* f) : floats(n), freed(f) {}
  tracked_buffer(const tracked_buffer&) = delete;
  tracked_buffer& operator=(const tracked_buffer&) = delete;
  std::vector<float> floats;
  bool* freed;
  ~tracked_buffer() { *freed = true; }
};

pr::float_values adopt_tracked(std::size_t n, bool* freed) {
  auto owner = std::make_shared<tracked_buffer>(n, freed);
  std::iota(owner->floats.begin(), owner->floats.end(), 0.0f);
  const float* data = owner->floats.data();
  return pr::float_values::adopt(data, n, std::move(owner));
}

}  // namespace

TEST_CASE("float_values: an adopted buffer is read in place and shared by copies, never copied",
          "[protocols]") {
  bool freed = false;
  const auto before = pr::float_values::copies();
  {
    auto v = adopt_tracked(1000, &freed);
    REQUIRE(v.adopted());
    const float* at = v.data();
    CHECK(v.size() == 1000);
    CHECK(v[999] == 999.0f);
    CHECK(v.span().data() == at);
    // A message holding it, copied (CAF copies messages on write): the same bytes.
    pr::theta_reply m{0, 3, {v, {}}};
    pr::theta_reply m2 = m;
    CHECK(m2.data.values.data() == at);
    CHECK(m2.data.values == v);
    double sum = 0;
    for (float x : m2.data.values) sum += x;
    CHECK(sum == 999.0 * 1000 / 2);
    // Moved: the source lets go, the target has the buffer.
    pr::float_values moved = std::move(v);
    CHECK(moved.data() == at);
    CHECK(v.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
    CHECK_FALSE(v.adopted());
    CHECK_FALSE(freed);
  }
  CHECK(freed);  // with its last copy
  CHECK(pr::float_values::copies() == before);
}

TEST_CASE("float_values: writing to an adopted buffer copies it first and counts the copy",
          "[protocols]") {
  bool freed = false;
  const auto before = pr::float_values::copies();
  auto v = adopt_tracked(10, &freed);
  auto shared = v;
  v.vec()[3] = -1.0f;
  CHECK_FALSE(v.adopted());
  CHECK(v[3] == -1.0f);
  CHECK(shared[3] == 3.0f);  // the other copy still reads the buffer, unchanged
  CHECK(pr::float_values::copies() == before + 1);
  auto out = std::move(shared).release();
  CHECK(out.size() == 10);
  CHECK(out[3] == 3.0f);
  CHECK(pr::float_values::copies() == before + 2);
  CHECK(freed);  // neither refers to the buffer any more
}

TEST_CASE("float_values: an owned vector is moved in and out without a copy", "[protocols]") {
  const auto before = pr::float_values::copies();
  std::vector<float> src(100, 2.5f);
  const float* at = src.data();
  pr::float_values v = std::move(src);
  CHECK_FALSE(v.adopted());
  CHECK(v.data() == at);
  CHECK(v == std::vector<float>(100, 2.5f));
  auto back = std::move(v).release();
  CHECK(back.data() == at);
  v.assign(std::size_t{3}, 1.0f);
  CHECK(v == pr::float_values{1.0f, 1.0f, 1.0f});
  CHECK(pr::float_values::copies() == before);
}
