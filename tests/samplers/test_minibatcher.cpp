// The minibatch stream shared by chains and protocol workers: random reshuffling per epoch,
// keyed by {seed, chain, epoch}; the chain's batches are exactly the minibatcher's.

#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/minibatcher.hpp"
#include "sources.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <vector>

namespace sm = sgmc::samplers;

TEST_CASE("a chain draws exactly the minibatcher's batches", "[samplers][minibatcher]") {
  sgmc::test::recording_source src(2, 37);
  sm::sampler_params p;
  auto k = sm::make_sampler(p, 2);
  REQUIRE(k.has_value());
  const std::vector<std::uint32_t> rows = {3, 5, 8, 13, 21, 34, 1, 2, 30, 31, 32};
  sm::chain_params cp;
  cp.seed = 5;
  cp.chain = 3;
  cp.batch_size = 4;
  cp.rows = rows;
  sm::chain c(src, **k, sm::schedule::constant(1e-3), cp, std::vector<float>(2, 0.0f));
  REQUIRE(c.status().has_value());
  auto mb = sm::minibatcher::make(37, sm::minibatcher_params{5, 3, 4, rows});
  REQUIRE(mb.has_value());
  for (int s = 0; s < 10; ++s) {
    REQUIRE(c.step().has_value());
    const auto b = mb->next();
    CHECK(std::vector<std::uint32_t>(b.begin(), b.end()) == src.batches[s]);
    CHECK(mb->epoch() == c.epoch());
  }
}

TEST_CASE("each epoch is a fresh permutation of the rows, whole batches only",
          "[samplers][minibatcher]") {
  const std::vector<std::uint32_t> rows = {10, 11, 12, 13, 14, 15, 16};
  sm::minibatcher mb(20, {1, 0, 3, rows});
  CHECK(mb.rows() == 7);
  std::vector<std::vector<std::uint32_t>> epochs(3);
  for (int s = 0; s < 6; ++s) {  // 2 batches of 3 per epoch (one row left out)
    const auto b = mb.next();
    REQUIRE(b.size() == 3);
    CHECK(mb.epoch() == std::uint64_t(s / 2));
    epochs[s / 2].insert(epochs[s / 2].end(), b.begin(), b.end());
  }
  for (const auto& e : epochs) {
    CHECK(std::set<std::uint32_t>(e.begin(), e.end()).size() == 6);
    for (auto r : e) CHECK((r >= 10 && r <= 16));
  }
  CHECK(epochs[0] != epochs[1]);
  sm::minibatcher none(0, {1, 0, 3, {}});
  CHECK(none.next().empty());  // data-free
}

TEST_CASE("a minibatcher's bad batch size or rows are errors", "[samplers][minibatcher]") {
  auto e = sm::minibatcher::check(10, 11, {}, "worker 2");
  REQUIRE(e.has_value());
  CHECK(e->code == sgmc::errc::invalid_config);
  CHECK(e->message == "sampler.batch_size must be in [1, 10] (the worker 2's rows), got 11");
  const std::vector<std::uint32_t> rows = {1, 10};
  e = sm::minibatcher::check(10, 1, rows, "worker 2");
  REQUIRE(e.has_value());
  CHECK(e->code == sgmc::errc::invalid_argument);
  CHECK(e->message == "worker 2: row 10 is out of range (the data has 10 rows)");
  CHECK_FALSE(sm::minibatcher::check(10, 10, {}, "chain").has_value());
  CHECK_FALSE(sm::minibatcher::check(0, 1000, {}, "chain").has_value());  // data-free
  CHECK_FALSE(sm::minibatcher::make(10, {1, 0, 0, {}}).has_value());
}
