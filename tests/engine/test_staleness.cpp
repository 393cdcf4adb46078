// [staleness] parsing and validation, the injector's draws, and the staleness statistics.
#include "sgmc/engine/injector.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/staleness.hpp"

#include <catch2/catch.hpp>

#include <chrono>

namespace a = sgmc::engine;
using sgmc::errc;
using dist = a::delay_spec::distribution;
using unit = a::delay_spec::unit;

TEST_CASE("parse_delay reads every form of staleness.delay") {
  struct row {
    const char* text;
    dist d;
    unit u;
    double a, b;
  };
  const row rows[] = {
      {"none", dist::none, unit::versions, 0, 0},
      {"", dist::none, unit::versions, 0, 0},
      {"fixed:4", dist::fixed, unit::versions, 4, 0},
      {"fixed:2.5ms", dist::fixed, unit::milliseconds, 2.5, 0},
      {"uniform:0,8", dist::uniform, unit::versions, 0, 8},
      {"uniform:1.5,3ms", dist::uniform, unit::milliseconds, 1.5, 3},
      {"exp:2", dist::exponential, unit::versions, 2, 0},
      {"exp:0.5ms", dist::exponential, unit::milliseconds, 0.5, 0},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto d = a::parse_delay(r.text);
    REQUIRE(d);
    CHECK(d->dist == r.d);
    CHECK(d->in == r.u);
    CHECK(d->a == r.a);
    CHECK(d->b == r.b);
    // to_string gives text that parses back to the same spec.
    auto again = a::parse_delay(a::to_string(*d));
    REQUIRE(again);
    CHECK(again->dist == d->dist);
    CHECK(again->in == d->in);
    CHECK(again->a == d->a);
    CHECK(again->b == d->b);
  }
}

TEST_CASE("parse_delay refuses malformed delays, naming staleness.delay and the text") {
  for (const char* text :
       {"fixed", "fixed:", "fixed:x", "fixed:-1", "fixed:1.5", "uniform:3", "uniform:5,2",
        "uniform:a,b", "exp:0", "exp:-2ms", "gauss:1", "fixed:4s", "fixed:2000", "fixed:nan"}) {
    INFO(text);
    auto d = a::parse_delay(text);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == errc::invalid_config);
    CHECK(d.error().message.find("staleness.delay") == 0);
    CHECK(d.error().message.find(text) != std::string::npos);
  }
}

TEST_CASE("validate checks latencies, link latencies and stragglers against the workers") {
  a::staleness_params p;
  CHECK(a::validate(p, 4));
  p.latency_ms = -1;
  auto r = a::validate(p, 4);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("staleness.latency_ms") == 0);
  p.latency_ms = 2;
  p.link_latency_ms[4] = 1.0;
  r = a::validate(p, 4);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("staleness.link_latency_ms: worker 4 does not exist") == 0);
  p.link_latency_ms = {{3, 1.0}};
  p.stragglers[1] = 0.5;
  r = a::validate(p, 4);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("staleness.stragglers: worker 1 needs a factor >= 1") == 0);
  p.stragglers[1] = 3.0;
  CHECK(a::validate(p, 4));
  p.delay.dist = dist::uniform;
  p.delay.a = 4;
  p.delay.b = 2;
  r = a::validate(p, 4);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("staleness.delay") == 0);
}

TEST_CASE("injector: version delays follow their distribution and are reproducible") {
  a::staleness_params p;
  p.delay = *a::parse_delay("fixed:3");
  a::injector fixed(p, 1, 0);
  CHECK(fixed.delays_versions());
  CHECK(fixed.history_depth() == 4);
  for (int i = 0; i < 10; ++i) CHECK(fixed.next_version_delay() == 3);

  p.delay = *a::parse_delay("uniform:2,5");
  a::injector u1(p, 9, 1), u2(p, 9, 1), other(p, 9, 2);
  int counts[6] = {};
  bool differs = false;
  for (int i = 0; i < 4000; ++i) {
    const auto k = u1.next_version_delay();
    CHECK(k == u2.next_version_delay());
    differs = differs || k != other.next_version_delay();
    REQUIRE(k >= 2);
    REQUIRE(k <= 5);
    ++counts[k];
  }
  CHECK(differs);                                       // another owner draws another stream
  for (int k = 2; k <= 5; ++k) CHECK(counts[k] > 850);  // 1000 expected each

  p.delay = *a::parse_delay("exp:2");
  a::injector e(p, 3, 0);
  CHECK(e.history_depth() == 17);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto k = e.next_version_delay();
    REQUIRE(k <= 16);
    sum += static_cast<double>(k);
  }
  // E⌊X⌋ for X ~ Exp(mean 2) is 1/(e^{1/2} − 1) ≈ 1.541.
  CHECK(sum / 20000 == Approx(1.541).epsilon(0.05));
}

TEST_CASE("injector: message delays add latency, link latency and push delays") {
  using namespace std::chrono;
  a::staleness_params p;
  p.latency_ms = 2.0;
  p.link_latency_ms[1] = 10.0;
  p.delay = *a::parse_delay("fixed:3ms");
  p.stragglers[2] = 4.0;
  a::injector inj(p, 1, 0);
  CHECK_FALSE(inj.delays_versions());
  CHECK(inj.history_depth() == 1);
  CHECK(inj.next_version_delay() == 0);
  CHECK(inj.message_delay(std::nullopt, false) == milliseconds(2));
  CHECK(inj.message_delay(0u, false) == milliseconds(2));
  CHECK(inj.message_delay(1u, false) == milliseconds(12));
  CHECK(inj.message_delay(1u, true) == milliseconds(15));
  CHECK(inj.straggler_factor(2) == 4.0);
  CHECK(inj.straggler_factor(0) == 1.0);
}

TEST_CASE("staleness_stats counts, merges and keeps a histogram with an overflow bucket") {
  a::staleness_stats s, t;
  for (std::uint64_t k : {0, 1, 1, 3}) s.add(k);
  t.add(100);
  s.merge(t);
  CHECK(s.count == 5);
  CHECK(s.sum == 105);
  CHECK(s.max == 100);
  CHECK(s.mean() == Approx(21.0));
  CHECK(s.hist[0] == 1);
  CHECK(s.hist[1] == 2);
  CHECK(s.hist[3] == 1);
  CHECK(s.hist.back() == 1);
  CHECK(a::staleness_stats{}.mean() == 0.0);
}

TEST_CASE("the run report names a lost worker's gradients as lost and lists lost worker ids") {
  a::run_report r;
  r.versions = {150000};
  r.gradients = {136848, 0};  // worker 1 was killed: it never reported its count
  r.applied = {136848, 13152};
  r.lost = {1};
  const auto line = a::describe(r);
  INFO(line);
  CHECK(line.find("updates applied 150000 (136848 13152)") != std::string::npos);
  CHECK(line.find("gradients 136848 (136848 lost)") != std::string::npos);
  CHECK(line.find("lost: worker 1") != std::string::npos);
  CHECK(line.find("lost workers") == std::string::npos);
  r.lost.clear();
  r.gradients = {136848, 13152};
  CHECK(a::describe(r).find("lost") == std::string::npos);
}

TEST_CASE("the run report says when workers joined, were lost and rejoined during the run") {
  using kind = a::membership_event::kind;
  a::run_report r;
  r.versions = {100};
  r.gradients = {60, 40, 0};
  r.applied = {60, 40, 0};
  r.absent = {2};
  r.membership = {{1, kind::lost, 5.04}, {3, kind::joined, 6.0}, {1, kind::rejoined, 9.1}};
  const auto line = a::describe(r);
  INFO(line);
  CHECK(line.find(", never joined: worker 2") != std::string::npos);
  // One clause per worker, in the order of its first event.
  CHECK(line.ends_with("; worker 1 lost at 5.0 s, rejoined at 9.1 s; worker 3 joined at 6.0 s"));
  r.membership.clear();
  r.absent.clear();
  CHECK(a::describe(r).find("; worker") == std::string::npos);
}

TEST_CASE("merge_applied keeps the largest count per worker over the shards") {
  std::vector<std::uint64_t> applied;
  a::merge_applied(applied, {3, 5});
  a::merge_applied(applied, {4, 2, 7});
  CHECK(applied == std::vector<std::uint64_t>{4, 5, 7});
}

TEST_CASE("the run report counts rejected pushes by reason, summed over the shards") {
  a::run_report r;
  r.versions = {100, 100};
  r.applied = {50, 50};
  a::merge_rejected(r.rejected, {1, 0, 0, 2, 0, 0});  // shard 0: non-finite 1, duplicate 2
  a::merge_rejected(r.rejected, {1, 0, 0, 0, 0, 0});  // shard 1: non-finite 1
  const auto line = a::describe(r);
  INFO(line);
  CHECK(line.find("updates applied 100 (50 50), rejected 4 (non-finite 2, duplicate 2), ") !=
        std::string::npos);
  r.rejected.assign(6, 0);
  CHECK(a::describe(r).find("rejected") == std::string::npos);
}
