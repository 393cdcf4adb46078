// The collector assembles draws from shard slices and hands them on in order, per chain.

#include "sgmc/protocols/collector.hpp"

#include <catch2/catch.hpp>

#include <numeric>

namespace {

namespace pr = sgmc::protocols;

// Slice `shard` of draw `d` of chain `c` for θ of length dim over S shards; values d·1000 + i.
pr::sample slice_of(std::uint32_t c, std::uint64_t d, pr::shard_id shard, std::uint32_t S,
                    std::size_t dim) {
  const pr::slice s = pr::shard_slice(dim, S, shard);
  pr::sample m;
  m.chain = c;
  m.draw = d;
  m.step = 10 * (d + 1);
  m.shard = shard;
  m.offset = s.offset;
  m.potential = double(d);
  for (std::size_t i = 0; i < s.size; ++i)
    m.theta.values.vec().push_back(float(d * 1000 + s.offset + i));
  return m;
}

std::string error_of(class pr::collector& c, const pr::sample& m) {
  std::vector<pr::draw> ready;
  auto r = c.on_sample(m, ready);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::protocol);
  CHECK(ready.empty());
  return r.error().message;
}

}  // namespace

TEST_CASE("the collector assembles slices into draws and hands them on in order",
          "[protocols][collector]") {
  const std::size_t dim = 600;  // shards [0, 256), [256, 512), [512, 600)
  class pr::collector c(2, 3, dim);
  std::vector<pr::draw> ready;
  // Draw 1 of chain 0 completes before draw 0: it waits.
  for (pr::shard_id k : {2u, 0u, 1u}) REQUIRE(c.on_sample(slice_of(0, 1, k, 3, dim), ready));
  CHECK(ready.empty());
  CHECK(c.pending() == 1);
  REQUIRE(c.on_sample(slice_of(0, 0, 1, 3, dim), ready));
  REQUIRE(c.on_sample(slice_of(1, 0, 0, 3, dim), ready));  // another chain
  REQUIRE(c.on_sample(slice_of(0, 0, 0, 3, dim), ready));
  CHECK(ready.empty());
  REQUIRE(c.on_sample(slice_of(0, 0, 2, 3, dim), ready));  // completes draws 0 and 1
  REQUIRE(ready.size() == 2);
  for (std::uint64_t d = 0; d < 2; ++d) {
    CHECK(ready[d].chain == 0);
    CHECK(ready[d].index == d);
    CHECK(ready[d].step == 10 * (d + 1));
    CHECK(ready[d].potential == double(d));
    REQUIRE(ready[d].theta.size() == dim);
    for (std::size_t i = 0; i < dim; ++i) CHECK(ready[d].theta[i] == float(d * 1000 + i));
  }
  CHECK(c.pending() == 1);  // chain 1's draw 0
  CHECK(c.delivered(0) == 2);
  CHECK(c.delivered(1) == 0);
}

TEST_CASE("the collector rejects slices that do not fit", "[protocols][collector]") {
  const std::size_t dim = 600;
  class pr::collector c(1, 3, dim);
  CHECK(error_of(c, slice_of(1, 0, 0, 3, dim)) ==
        "collector: sample of unknown chain 1 (the run has 1 chains)");
  CHECK(error_of(c, slice_of(0, 0, 3, 4, 1024)) ==
        "collector: sample from unknown shard 3 (the run has 3 shards)");
  auto shifted = slice_of(0, 0, 1, 3, dim);
  shifted.offset = 300;
  CHECK(error_of(c, shifted) ==
        "collector: sample of chain 0 from shard 1 covers [300, 556), the shard owns [256, 512)");
  auto short_one = slice_of(0, 0, 2, 3, dim);
  short_one.theta.values.vec().pop_back();
  CHECK(error_of(c, short_one) ==
        "collector: sample of chain 0 from shard 2 covers [512, 599), the shard owns [512, 600)");
  std::vector<pr::draw> ready;
  REQUIRE(c.on_sample(slice_of(0, 0, 0, 3, dim), ready));
  CHECK(error_of(c, slice_of(0, 0, 0, 3, dim)) ==
        "collector: draw 0 of chain 0 arrived twice from shard 0");
  REQUIRE(c.on_sample(slice_of(0, 0, 1, 3, dim), ready));
  REQUIRE(c.on_sample(slice_of(0, 0, 2, 3, dim), ready));
  REQUIRE(ready.size() == 1);
  CHECK(error_of(c, slice_of(0, 0, 1, 3, dim)) ==
        "collector: draw 0 of chain 0 arrived again from shard 1 (already complete)");
  CHECK(error_of(c, slice_of(0, 1 + pr::collector::kMaxAhead, 0, 3, dim)).find("ahead") !=
        std::string::npos);
}

TEST_CASE("the collector of a protocol: elastic has W chains of whole vectors",
          "[protocols][collector]") {
  pr::protocol_params p;
  p.kind = pr::protocol_kind::elastic;
  p.workers = 3;
  p.shards = 2;
  auto c = pr::collector::for_protocol(p, 700);
  CHECK(c.chains() == 3);
  CHECK(c.shards() == 1);
  std::vector<pr::draw> ready;
  REQUIRE(c.on_sample(slice_of(2, 0, 0, 1, 700), ready));
  CHECK(ready.size() == 1);
  p.kind = pr::protocol_kind::async;
  auto a = pr::collector::for_protocol(p, 700);
  CHECK(a.chains() == 1);
  CHECK(a.shards() == 2);
}
