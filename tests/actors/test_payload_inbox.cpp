// The payload wait of a peer_actor (actors/src/payload_inbox.hpp), without an actor system.
#include "../../actors/src/payload_inbox.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <vector>

namespace d = sgmc::actors::detail;
namespace p = sgmc::protocols;

TEST_CASE("payload_inbox: the awaited message resumes once, naming its sender meanwhile") {
  d::payload_inbox inbox;
  CHECK_FALSE(inbox.waiting());
  std::vector<float> got;
  std::optional<p::endpoint> seen;
  int calls = 0;
  inbox.wait({{1, 7, 2},
              caf::actor_addr{},
              p::worker_at(3),
              [&](p::float_values v) {
                got = std::move(v).release();
                seen = inbox.resumed_from();
                ++calls;
              },
              {}});
  REQUIRE(inbox.waiting());
  CHECK(inbox.awaited().ref.ticket == 7);
  inbox.resume({1.0f, 2.0f});
  CHECK(calls == 1);
  CHECK(got == std::vector<float>{1.0f, 2.0f});
  CHECK(seen == p::worker_at(3));
  CHECK_FALSE(inbox.resumed_from());
  CHECK_FALSE(inbox.waiting());
  CHECK_FALSE(inbox.cancel());
}

TEST_CASE("payload_inbox: losing the awaited message's sender ends the wait's hope") {
  d::payload_inbox inbox;
  const caf::actor_addr sender;
  CHECK_FALSE(inbox.lost(sender));
  // Nothing awaited: the loss is only remembered.
  CHECK_FALSE(inbox.note_lost(sender));
  CHECK(inbox.lost(sender));
  inbox.wait({{1, 1, 1}, sender, std::nullopt, [](p::float_values) {}, {}});
  CHECK(inbox.note_lost(sender));
  CHECK(inbox.cancel());
  CHECK_FALSE(inbox.waiting());
  inbox.clear();
  CHECK_FALSE(inbox.lost(sender));
}
