// The protocol vocabulary: kinds, parameter checks, shard slices and data shards.

#include "sgmc/protocols/protocol.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace pr = sgmc::protocols;

TEST_CASE("protocol kinds parse and print", "[protocols]") {
  for (const char* name : {"none", "sync", "async", "ssp", "downpour", "elastic"}) {
    auto k = pr::parse_protocol_kind(name);
    REQUIRE(k.has_value());
    CHECK(std::string(pr::to_string(*k)) == name);
  }
  auto bad = pr::parse_protocol_kind("gossip");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == sgmc::errc::invalid_config);
  CHECK(bad.error().message ==
        "protocol.kind must be one of none | sync | async | ssp | downpour | elastic, got "
        "\"gossip\"");
}

TEST_CASE("protocol parameters out of range name their key", "[protocols]") {
  const pr::protocol_params good;
  REQUIRE(pr::validate(good).has_value());
  auto with = [&](auto change) {
    pr::protocol_params p = good;
    change(p);
    auto r = pr::validate(p);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == sgmc::errc::invalid_config);
    return r.error().message;
  };
  CHECK(with([](auto& p) { p.workers = 0; }) == "protocol.workers must be >= 1, got 0");
  CHECK(with([](auto& p) { p.shards = 0; }) == "protocol.shards must be >= 1, got 0");
  CHECK(with([](auto& p) { p.push_every = 0; }).rfind("protocol.push_every", 0) == 0);
  CHECK(with([](auto& p) { p.pull_every = 0; }).rfind("protocol.pull_every", 0) == 0);
  CHECK(with([](auto& p) { p.elastic_period = 0; }).rfind("protocol.elastic_period", 0) == 0);
  CHECK(with([](auto& p) { p.elastic_rho = -1; }) ==
        "protocol.elastic_rho must be >= 0 and finite, got -1");
  CHECK(with([](auto& p) { p.elastic_alpha = 1.5; }) ==
        "protocol.elastic_alpha must be in (0, 1], got 1.5");
  pr::protocol_params many = good;
  many.shards = 5;
  REQUIRE(pr::validate(many, 1280).has_value());  // 5 blocks of 256; dim 1000 has only 4
  auto r = pr::validate(many, 1000);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message ==
        "protocol.shards must be <= 4 for dim 1000 (a shard owns whole blocks of 256 elements), "
        "got 5");
}

TEST_CASE("run parameters out of range name their key", "[protocols]") {
  pr::run_length run;
  REQUIRE(pr::validate(run).has_value());
  run.burnin = run.steps;
  auto r = pr::validate(run);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "run.burnin (1000) must be < run.steps (1000)");
  run = {};
  run.thin = 0;
  CHECK_FALSE(pr::validate(run).has_value());
  run = {};
  run.steps = 0;
  CHECK_FALSE(pr::validate(run).has_value());
}

TEST_CASE("shard slices are contiguous, 256-aligned, near-equal and cover θ", "[protocols]") {
  for (std::size_t dim : {1, 255, 256, 257, 1000, 4096, 100003}) {
    const std::size_t blocks = (dim + 255) / 256;
    for (std::uint32_t shards = 1; shards <= std::min<std::size_t>(blocks, 7); ++shards) {
      INFO("dim " << dim << ", " << shards << " shards");
      std::size_t next = 0, smallest = dim, largest = 0;
      for (std::uint32_t k = 0; k < shards; ++k) {
        const pr::slice s = pr::shard_slice(dim, shards, k);
        CHECK(s.offset == next);
        CHECK(s.offset % pr::kSliceAlign == 0);
        CHECK(s.size > 0);
        next = s.offset + s.size;
        if (k + 1 < shards) {  // the last one may be cut at dim
          smallest = std::min(smallest, s.size);
          largest = std::max(largest, s.size);
        }
      }
      CHECK(next == dim);
      if (shards > 1) CHECK(largest - smallest <= pr::kSliceAlign);
    }
  }
  // More shards than blocks: some slices are empty (validate(params, dim) refuses this).
  CHECK(pr::shard_slice(300, 3, 0).size == 0);
  CHECK(pr::shard_slice(300, 3, 1) == pr::slice{0, 256});
  CHECK(pr::shard_slice(300, 3, 2) == pr::slice{256, 44});
  CHECK(pr::shard_slice(300, 3, 3) == pr::slice{300, 0});  // no such shard
}

TEST_CASE("worker rows are disjoint near-equal blocks of a seeded permutation", "[protocols]") {
  const std::size_t n = 1003;
  const std::uint32_t workers = 4;
  std::set<std::uint32_t> seen;
  std::vector<std::uint32_t> first;
  for (pr::worker_id i = 0; i < workers; ++i) {
    const auto rows = pr::worker_rows(n, workers, i, true, 7);
    CHECK(rows.size() >= n / workers);
    CHECK(rows.size() <= n / workers + 1);
    CHECK(std::is_sorted(rows.begin(), rows.end()));
    for (auto r : rows) {
      CHECK(r < n);
      CHECK(seen.insert(r).second);  // disjoint
    }
    if (i == 0) first = rows;
  }
  CHECK(seen.size() == n);
  CHECK(pr::worker_rows(n, workers, 0, true, 7) == first);  // deterministic
  CHECK(pr::worker_rows(n, workers, 0, true, 8) != first);  // keyed by seed
  // Not a plain split of [0, n): the permutation mixes the rows.
  CHECK(first.back() > n / workers);
  const auto all = pr::worker_rows(n, workers, 2, false, 7);
  REQUIRE(all.size() == n);
  CHECK(all.front() == 0);
  CHECK(all.back() == n - 1);
  CHECK(pr::worker_rows(n, workers, workers, true, 7).empty());
}
