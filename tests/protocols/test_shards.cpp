// Parameter-server sharding: S master shards, each stepping its slice with the slice's offset,
// reproduce one master bit for bit.

#include "helpers.hpp"

namespace {

using namespace sgmc::test;

struct outcome {
  std::vector<float> theta;
  std::vector<pr::draw> draws;
};

outcome run(pr::protocol_kind kind, std::uint32_t shards, sgmc::samplers::sampler_kind sampler) {
  auto cfg = quadratic_config(kind, 3, shards, 1000, 50);  // 4 blocks of 256
  cfg.sampler.kind = sampler;
  cfg.run.thin = 10;
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->finished());
  return {d->theta(), d->draws()};
}

}  // namespace

TEST_CASE("S master shards give the bits of one shard", "[protocols][shards]") {
  for (auto kind : {pr::protocol_kind::sync, pr::protocol_kind::async}) {
    for (auto sampler : {sgmc::samplers::sampler_kind::sgld, sgmc::samplers::sampler_kind::sghmc}) {
      const outcome one = run(kind, 1, sampler);
      REQUIRE(one.draws.size() == 5);
      for (std::uint32_t s : {2u, 3u, 4u}) {
        INFO(pr::to_string(kind) << ", " << sgmc::samplers::to_string(sampler) << ", " << s
                                 << " shards");
        const outcome many = run(kind, s, sampler);
        CHECK(same_bits(many.theta, one.theta));
        REQUIRE(many.draws.size() == one.draws.size());
        for (std::size_t i = 0; i < one.draws.size(); ++i)
          CHECK(same_bits(many.draws[i].theta, one.draws[i].theta));
      }
    }
  }
}
