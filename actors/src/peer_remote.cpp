// How a peer_actor takes the payload of a remote message (remote_message.hpp) from its node's
// data channel: a short blocking wait, then a wait that leaves the actor's thread free and its
// other messages in the mailbox (skipped, so still in order) until the payload comes, the
// timeout passes, or the sender is seen lost.
#include "peer_actor.hpp"
#include "sgmc/actors/data_channel.hpp"

#include <caf/system_messages.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace sgmc::actors::detail {
namespace {

// The blocking part of waiting for a payload: it was sent before its control message, so it
// is nearly always in by then, or a few milliseconds later (a large one still in transit).
constexpr auto kBlockingWait = std::chrono::milliseconds(100);
// Then the actor looks again this often, without holding its thread.
constexpr auto kRetryEvery = std::chrono::milliseconds(10);

}  // namespace

void peer_actor::take_or_wait(const payload_ref& ref, resume_fn done) {
  if (ctx_.channel == nullptr)
    return fail_taking(
        {errc::protocol, "a payload arrived over a data channel, but this node has none"});
  const auto timeout = ctx_.channel->params().take_timeout;
  const auto first = std::min<std::chrono::milliseconds>(timeout, kBlockingWait);
  auto v = ctx_.channel->take(ref.channel, ref.ticket, ref.n, first);
  if (v) return done(std::move(*v));
  if (v.error().code != errc::timeout || first >= timeout) return fail_taking(v.error());
  const auto sender = caf::actor_cast<caf::actor_addr>(current_sender());
  if (inbox_.lost(sender)) return;  // its sender died before the payload left
  inbox_.wait({ref, sender, sender_endpoint(), std::move(done), clock().now() + (timeout - first)});
  // Everything else waits in the mailbox, in order, until the payload is handled.
  set_default_handler(caf::skip);
  become(caf::keep_behavior, caf::behavior{[this](data_tick_atom) { retry_pending(); }});
  delayed_send(this, kRetryEvery, data_tick_atom::value);
}

void peer_actor::retry_pending() {
  if (!inbox_.waiting()) return;
  const auto ref = inbox_.awaited().ref;
  auto v = ctx_.channel->take(ref.channel, ref.ticket, ref.n, std::chrono::milliseconds(0));
  if (v) {
    restore_behavior();
    inbox_.resume(std::move(*v));
    return;
  }
  if (v.error().code != errc::timeout) {
    end_wait();
    return fail_taking(v.error());
  }
  if (clock().now() < inbox_.awaited().deadline) {
    delayed_send(this, kRetryEvery, data_tick_atom::value);
    return;
  }
  end_wait();
  fail_taking({errc::timeout, ctx_.channel->missing(ref.channel, ref.ticket, ref.n,
                                                    ctx_.channel->params().take_timeout)});
}

void peer_actor::end_wait() {
  if (inbox_.cancel()) restore_behavior();
}

void peer_actor::restore_behavior() {
  unbecome();
  drop_unexpected();
}

void peer_actor::note_down(const caf::down_msg& m) {
  if (!inbox_.note_lost(m.source)) return;
  log(fmt::format("{}: dropped the last message of a lost peer: its payload never came",
                  describe_me()));
  end_wait();
}

void peer_actor::fail_taking(const error& e) {
  fail({e.code, fmt::format("{}: {}", describe_me(), e.message)});
}

}  // namespace sgmc::actors::detail
