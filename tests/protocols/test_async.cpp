// async: every push applied on arrival as one kernel step, its staleness recorded.

#include "helpers.hpp"

#include <algorithm>
#include <cmath>

namespace {

using namespace sgmc::test;
using pr::protocol_kind;

pr::staleness_record rec(pr::worker_id w, pr::version_t built, pr::version_t at) {
  return {w, 0, built, at};
}

bool operator_eq(const pr::staleness_record& a, const pr::staleness_record& b) {
  return a.worker == b.worker && a.shard == b.shard && a.built_on == b.built_on &&
         a.applied_at == b.applied_at;
}

void check_records(const std::vector<pr::staleness_record>& got,
                   const std::vector<pr::staleness_record>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("record " << i << ": worker " << got[i].worker << " built on " << got[i].built_on
                   << " applied at " << got[i].applied_at);
    CHECK(operator_eq(got[i], want[i]));
  }
}

}  // namespace

TEST_CASE("async counts staleness right under a scripted interleaving", "[protocols][async]") {
  auto d = make_driver(quadratic_config(protocol_kind::async, 3, 1, 8, 100));
  SGMC_REQUIRE_OK(d->start());
  // The three pulls, the three answers (θ_0 at version 0), the three gradients on θ_0.
  for (int i = 0; i < 9; ++i) run_first(*d, any_event(), "start-up");
  REQUIRE(d->pending().size() == 3);
  // Worker 1 pushes first and twice in a row; then 0 and 2 with their gradients of θ_0.
  run_first(*d, push_from(1), "w1's push on v0");
  run_first(*d, params_to(1), "answer to w1 (v1)");
  run_first(*d, compute_of(1), "w1 computes on v1");
  run_first(*d, push_from(1), "w1's push on v1");
  run_first(*d, push_from(0), "w0's push on v0");
  run_first(*d, push_from(2), "w2's push on v0");
  check_records(d->applied(), {rec(1, 0, 0), rec(1, 1, 1), rec(0, 0, 2), rec(2, 0, 3)});
  CHECK(d->applied()[2].staleness() == 2);
  CHECK(d->applied()[3].staleness() == 3);
  CHECK(d->master(0).version() == 4);
  // Every push was answered with the θ after it: versions 1, 2, 3, 4 in order.
  std::vector<pr::version_t> answers;
  for (const auto& e : d->pending())
    if (const auto* p = std::get_if<pr::theta_reply>(&e.env.msg)) answers.push_back(p->version);
  CHECK(answers == std::vector<pr::version_t>{2, 3, 4});
}

TEST_CASE("async with W workers in FIFO order has staleness W - 1", "[protocols][async]") {
  for (std::uint32_t w : {1u, 2u, 5u}) {
    auto d = make_driver(quadratic_config(protocol_kind::async, w, 1, 8, 60));
    SGMC_REQUIRE_OK(d->start());
    SGMC_REQUIRE_OK(d->run());
    REQUIRE(d->finished());
    CHECK(d->collector_stopped());
    const auto& a = d->applied();
    REQUIRE(a.size() == 60);
    for (std::size_t v = 0; v < a.size(); ++v) {
      INFO(w << " workers, version " << v);
      CHECK(a[v].applied_at == v);
      CHECK(a[v].staleness() == std::min<std::size_t>(v, w - 1));
      CHECK(a[v].worker == v % w);
    }
  }
}

TEST_CASE("the driver's params lag adds its versions of staleness", "[protocols][async]") {
  for (pr::version_t lag : {1, 4}) {
    auto d = make_driver(quadratic_config(protocol_kind::async, 1, 1, 8, 40));
    d->set_params_lag(lag);
    SGMC_REQUIRE_OK(d->start());
    SGMC_REQUIRE_OK(d->run());
    const auto& a = d->applied();
    REQUIRE(a.size() == 40);
    for (std::size_t v = 0; v < a.size(); ++v) {
      INFO("lag " << lag << ", version " << v);
      CHECK(a[v].staleness() == std::min<std::size_t>(v, lag));
    }
  }
}

TEST_CASE("async applies a push as one SGLD step with the version's noise", "[protocols][async]") {
  auto cfg = quadratic_config(protocol_kind::async, 2, 1, 300, 100);
  const float eps = static_cast<float>(cfg.sampler.step_size);
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 6; ++i) run_first(*d, any_event(), "start-up");
  // Two pushes built on θ_0; capture them, then apply.
  std::vector<std::vector<float>> grads;
  for (const auto& e : d->pending()) {
    const auto& v = std::get<pr::push>(e.env.msg).data.values;
    grads.emplace_back(v.begin(), v.end());
  }
  REQUIRE(grads.size() == 2);
  std::vector<float> want = cfg.theta0;
  for (pr::version_t v = 0; v < 2; ++v) {
    run_first(*d, push_from(static_cast<pr::worker_id>(v)), "push");
    std::vector<float> z(want.size());
    sgmc::core::fill_normal({cfg.run.seed, 0, v, sgmc::core::rng_stream::noise}, 0, z);
    for (std::size_t j = 0; j < want.size(); ++j)
      want[j] = want[j] - 0.5f * eps * grads[v][j] + std::sqrt(eps) * z[j];
  }
  const auto got = d->master(0).theta();
  for (std::size_t j = 0; j < want.size(); ++j)
    CHECK(got[j] == Approx(want[j]).epsilon(1e-6).margin(1e-6));  // FMA or not
  CHECK(d->applied()[1].staleness() == 1);
}
