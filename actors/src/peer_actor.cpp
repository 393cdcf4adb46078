#include "peer_actor.hpp"

#include "sgmc/actors/data_channel.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/sec.hpp>

#include <fmt/format.h>

#include <type_traits>
#include <variant>

namespace sgmc::actors::detail {
namespace {

const char* role_name(protocols::endpoint::role r) {
  switch (r) {
    case protocols::endpoint::role::master:
      return "master shard";
    case protocols::endpoint::role::worker:
      return "worker";
    case protocols::endpoint::role::collector:
      return "collector";
  }
  return "?";
}

}  // namespace

peer_actor::peer_actor(caf::actor_config& cfg, actor_context ctx, protocols::endpoint me,
                       std::uint32_t rng_owner)
    : caf::event_based_actor(cfg),
      ctx_(std::move(ctx)),
      inj_(ctx_.staleness, ctx_.seed, rng_owner),
      me_(me),
      lane_(ctx_.trace != nullptr ? ctx_.trace->lane() : nullptr),
      links_(inj_, me) {
  // Until the directory arrives, every other message waits in the mailbox.
  set_default_handler(caf::skip);
  // An error message from a peer (it refused something we sent) ends the run clearly instead
  // of ending this actor with an unexplained exit reason.
  set_error_handler([this](caf::error& e) {
    fail({errc::protocol, fmt::format("{} {}: a peer refused a message ({})", role_name(me_.who),
                                      me_.index, caf::to_string(e))});
  });
}

caf::behavior peer_actor::startup() {
  return {
      [this](init_atom, std::vector<caf::actor> m, std::vector<caf::actor> w, caf::actor c,
             std::vector<std::string> data) {
        set_directory(directory{std::move(m), std::move(w), std::move(c)}, std::move(data));
        drop_unexpected();
        become(running());
        on_start();
      },
  };
}

void peer_actor::set_directory(directory dir, std::vector<std::string> data) {
  dir_ = std::move(dir);
  dir_.index();
  if (data.size() == dir_.masters.size() + dir_.workers.size() + 1) data_ = std::move(data);
  // With CURVE the node's channel files payloads only from the directory's nodes.
  if (ctx_.channel != nullptr) ctx_.channel->admit(data_);
  // The peers this actor depends on: a master on the workers and the collector, a worker on
  // the masters, the collector on both.
  using role = protocols::endpoint::role;
  std::vector<caf::actor> peers;
  if (me_.who != role::master) peers = dir_.masters;
  if (me_.who != role::worker) peers.insert(peers.end(), dir_.workers.begin(), dir_.workers.end());
  if (me_.who == role::master) peers.push_back(dir_.collector);
  for (const auto& p : peers)
    if (p) monitor(p);
}

void peer_actor::replace_worker(std::uint32_t w, caf::actor a, std::vector<std::string> data) {
  if (w >= dir_.workers.size() || !a) return;
  dir_.workers[w] = a;
  dir_.index();
  if (data.size() == dir_.masters.size() + dir_.workers.size() + 1) data_ = std::move(data);
  if (ctx_.channel != nullptr) ctx_.channel->admit(data_);  // the new node's CURVE key
  if (me_.who != protocols::endpoint::role::worker) monitor(a);
}

void peer_actor::replace_collector(caf::actor c, std::string data) {
  dir_.collector = std::move(c);
  dir_.index();
  if (!data_.empty()) data_.back() = std::move(data);
  if (ctx_.channel != nullptr) ctx_.channel->admit(data_);  // the new collector's CURVE key
  if (dir_.collector) monitor(dir_.collector);
}

void peer_actor::on_exit() {
  dir_ = directory{};
  links_.clear();
  inbox_.clear();
  ctx_.supervisor = caf::actor{};
}

void peer_actor::send_message(const protocols::endpoint& to, const caf::actor& dest,
                              std::chrono::nanoseconds delay, caf::message msg) {
  if (!links_.timed()) {  // no delays configured: nothing can be due later than now
    send(dest, std::move(msg));
    return;
  }
  const auto now = clock().now();
  const auto due = links_.schedule(to, now, delay);
  if (due <= now)
    send(dest, std::move(msg));
  else
    scheduled_send(dest, due, std::move(msg));
}

const std::string& peer_actor::side_path(const protocols::endpoint& to, const caf::actor& dest,
                                         std::uint64_t bytes) const {
  static const std::string none;
  if (ctx_.channel == nullptr || data_.empty() || bytes < ctx_.channel->params().min_bytes ||
      dest.node() == system().node())
    return none;
  using role = protocols::endpoint::role;
  const auto m = dir_.masters.size();
  std::size_t i = data_.size();
  if (to.who == role::master && to.index < m) i = to.index;
  if (to.who == role::worker && to.index < dir_.workers.size()) i = m + to.index;
  if (to.who == role::collector) i = data_.size() - 1;
  return i < data_.size() ? data_[i] : none;
}

template <class Msg>
expected<void> peer_actor::send_protocol(const protocols::endpoint& to, const caf::actor& dest,
                                         std::uint64_t t_ns, Msg&& m) {
  using T = std::decay_t<Msg>;
  constexpr bool is_push =
      std::is_same_v<T, protocols::push> || std::is_same_v<T, protocols::exchange>;
  const std::uint64_t id =
      ctx_.ids ? ctx_.ids->fetch_add(1, std::memory_order_relaxed) + 1 : ++sent_;
  if (lane_ != nullptr) {
    auto e = make_event(m, engine::to_trace_actor(me_), engine::to_trace_actor(to),
                        engine::trace_direction::sent, t_ns);
    e.seq = id;
    lane_->record(e);
  }
  const auto delay = links_.delay(to, is_push);
  if constexpr (has_payload<T>) {
    auto& values = payload_of(m).values;
    const auto n = static_cast<std::uint64_t>(values.size());
    const auto& side = side_path(to, dest, n * sizeof(float));
    // (An encoded payload (`[codec]`) has no floats: it travels in the CAF message.)
    if (!side.empty() && payload_of(m).encoded.empty()) {
      // The payload first: it is in flight (or filed) before its control message is handled.
      auto ticket = ctx_.channel->send(side, std::move(values));
      if (!ticket) return unexpected(ticket.error());
      values = {};
      remote<T> r{std::forward<Msg>(m), {ctx_.channel->id(), *ticket, n}};
      send_message(to, dest, delay, caf::make_message(id, std::move(r)));
      return {};
    }
  }
  send_message(to, dest, delay, caf::make_message(id, std::forward<Msg>(m)));
  return {};
}

expected<void> peer_actor::deliver(std::vector<protocols::envelope>& sends, std::uint64_t t_ns) {
  if (sends.empty()) return {};
  // One clock reading for the whole batch: its messages leave together, and a reading costs
  // about as much as the rest of a trace record.
  if (t_ns == 0) t_ns = trace_clock();
  for (auto& env : sends) {
    auto dest = dir_.at(env.to);
    if (!dest)
      return make_error(errc::protocol, fmt::format("a message to {} {}, which does not exist",
                                                    role_name(env.to.who), env.to.index));
    expected<void> sent;
    std::visit([&](auto& m) { sent = send_protocol(env.to, dest, t_ns, std::move(m)); }, env.msg);
    if (!sent) return sent;
  }
  sends.clear();
  return {};
}

void peer_actor::trace_span(engine::trace_type type, std::uint64_t start, std::uint64_t end,
                            const protocols::endpoint& peer, std::uint64_t version) {
  if (lane_ == nullptr) return;
  engine::trace_event e;
  e.t_ns = start;
  e.duration_ns = end > start ? end - start : 0;
  e.actor = engine::to_trace_actor(me_);
  e.peer = engine::to_trace_actor(peer);
  e.type = type;
  e.dir = engine::trace_direction::span;
  e.version = version;
  lane_->record(e);
}

std::optional<protocols::endpoint> peer_actor::sender_endpoint() {
  if (inbox_.resumed_from()) return inbox_.resumed_from();
  return dir_.find(current_sender());
}

void peer_actor::fail(const error& e) {
  if (failed_) return;
  failed_ = true;
  if (ctx_.supervisor)
    send(ctx_.supervisor, fail_atom::value, static_cast<std::uint8_t>(e.code), e.message);
}

std::string peer_actor::describe_me() const {
  if (me_.who == protocols::endpoint::role::collector) return "collector";
  return fmt::format("{} {}", role_name(me_.who), me_.index);
}

void peer_actor::log(const std::string& line) const {
  if (ctx_.log) ctx_.log(line);
}

bool peer_actor::deliberate(const caf::down_msg& m) {
  return m.reason == caf::exit_reason::user_shutdown || m.reason == caf::exit_reason::normal;
}

void peer_actor::drop_unexpected() {
  set_default_handler(
      [this](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
        // A retry tick that outlived its wait (the payload's sender was lost) is no news.
        if (x.content().match_elements<data_tick_atom>()) return caf::delegated<caf::message>{};
        if (!warned_unexpected_) {
          warned_unexpected_ = true;
          log(fmt::format("{} {}: dropped an unexpected message {}", role_name(me_.who), me_.index,
                          caf::to_string(x.content())));
        }
        // No reply: an error sent back would end the sender (CAF's default error handler).
        return caf::delegated<caf::message>{};
      });
}

}  // namespace sgmc::actors::detail
