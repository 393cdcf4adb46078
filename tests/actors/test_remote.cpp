// A collector actor on the deterministic scheduler receiving samples whose payloads take a data
// channel (remote_message.hpp): a payload that never comes ends the run with a clear error once
// cluster.data_channel_timeout_s has passed on the virtual clock, and while it waits, later
// messages stay behind it; a payload whose sender is lost meanwhile is given up without an
// error, and the messages behind it go on in order. (Protocol messages travel as (u64 id,
// message): peer_actor.hpp.)
#include "../../actors/src/remote_message.hpp"
#include "fixture.hpp"
#include "sgmc/actors/actors.hpp"
#include "sgmc/actors/data_channel.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

namespace a = sgmc::actors;
namespace p = sgmc::protocols;
namespace t = sgmc::actors::test;
using namespace std::chrono_literals;

namespace {

// A collector (1 master, 1 worker, dim 3) whose supervisor keeps the failure it is told of, and
// two stand-ins for the master and the worker to send from.
struct collector_rig {
  std::unique_ptr<a::data_channel> channel;
  t::memory_sink sink;
  t::log_lines log;
  t::deterministic_fixture f;
  std::optional<std::string> failure;
  caf::actor supervisor, master, worker, collector;

  collector_rig() {
    a::data_channel_params dp;
    dp.take_timeout = 500ms;
    auto ch = a::data_channel::open("127.0.0.1", dp, {});
    REQUIRE(ch);
    channel = std::move(*ch);
    // (Function-based actors get an argument: CAF 0.17 binds none through a null pointer.)
    auto keep_failure = [this](caf::event_based_actor* self, int) -> caf::behavior {
      self->set_default_handler(caf::drop);
      return {[this](a::fail_atom, std::uint8_t, const std::string& why) { failure = why; }};
    };
    supervisor = f.sys.spawn(keep_failure, 0);
    auto idle = [](caf::event_based_actor* self, int) -> caf::behavior {
      self->set_default_handler(caf::drop);
      return {[](int) {}};
    };
    master = f.sys.spawn(idle, 0);
    worker = f.sys.spawn(idle, 1);
    a::actor_context ctx;
    ctx.supervisor = supervisor;
    ctx.log = log.fn();
    ctx.channel = channel.get();
    collector = a::spawn_collector(f.sys, ctx, {1, 1, 1, 1, 3, &sink, nullptr, {}});
    const auto at = channel->endpoint();
    caf::anon_send(collector, a::init_atom::value, std::vector<caf::actor>{master},
                   std::vector<caf::actor>{worker}, collector,
                   std::vector<std::string>{at, at, at});
    f.run_messages();
  }

  ~collector_rig() {
    for (auto* x : {&collector, &master, &worker, &supervisor})
      caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    f.run_until([] { return false; });
  }

  // Draw `draw` of chain 0, whose payload waits under `ticket` of channel 1 (and never comes).
  static a::detail::remote<p::sample> remote_sample(std::uint64_t draw, std::uint64_t ticket) {
    p::sample s{0, draw, 10 * draw, 0, 0, 0.5, -1, {}};
    return {s, {1, ticket, 3}};
  }
  static p::sample plain_sample(std::uint64_t draw) {
    return {0, draw, 10 * draw, 0, 0, 0.5, -1, {{1.0f, 2.0f, 3.0f}}};
  }
};

}  // namespace

TEST_CASE("remote messages: a payload that never comes ends the run with a clear error",
          "[actors]") {
  collector_rig r;
  caf::send_as(r.master, r.collector, std::uint64_t{1}, collector_rig::remote_sample(0, 99));
  caf::send_as(r.master, r.collector, std::uint64_t{2}, collector_rig::plain_sample(1));
  r.f.run_messages();
  CHECK(r.sink.draws.empty());  // the plain sample waits behind the remote one
  CHECK_FALSE(r.failure);
  r.f.run_until([&] { return r.failure.has_value(); });
  REQUIRE(r.failure);
  CHECK(*r.failure ==
        "collector: payload 99 (3 floats) from node 0000000000000001 did not "
        "arrive within 0.5 s on the data channel " +
            r.channel->endpoint());
}

TEST_CASE("remote messages: a lost sender's missing payload is given up, later messages go on",
          "[actors]") {
  collector_rig r;
  caf::send_as(r.worker, r.collector, std::uint64_t{1}, collector_rig::remote_sample(0, 7));
  caf::send_as(r.master, r.collector, std::uint64_t{1}, collector_rig::plain_sample(0));
  r.f.run_messages();
  CHECK(r.sink.draws.empty());
  caf::anon_send_exit(r.worker, caf::exit_reason::kill);
  r.f.run_messages();
  CHECK_FALSE(r.failure);
  REQUIRE(r.sink.draws.size() == 1);
  CHECK(r.sink.draws[0].theta == std::vector<float>{1.0f, 2.0f, 3.0f});
  CHECK(r.log.contains("collector: dropped the last message of a lost peer"));
}
