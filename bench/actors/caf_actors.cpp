#include "caf_actors.hpp"

#include "../../actors/src/remote_message.hpp"

#include <cstring>
#include <set>
#include <utility>

namespace sgmc::bench {
namespace {

namespace p = sgmc::protocols;
namespace a = sgmc::actors;

// The pinger plays the master (θ out, gradient back), the echo a worker.
void record(const channel& ch, sgmc::engine::trace_role self, sgmc::engine::trace_type type,
            sgmc::engine::trace_direction dir, std::size_t n, std::uint64_t version) {
  if (ch.lane == nullptr) return;
  sgmc::engine::trace_event e;
  e.t_ns = sgmc::engine::trace_now_ns();
  e.actor = {self, 0};
  e.peer = {self == sgmc::engine::trace_role::master ? sgmc::engine::trace_role::worker
                                                     : sgmc::engine::trace_role::master,
            0};
  e.type = type;
  e.dir = dir;
  e.bytes = 4 * n + 24;
  e.version = version;
  e.staleness =
      type == sgmc::engine::trace_type::push && dir == sgmc::engine::trace_direction::received ? 0
                                                                                               : -1;
  ch.lane->record(e);
}

// Whether a payload of n floats takes the data channel (as in peer_actor::side_path).
bool side_path(const channel& ch, std::size_t n) {
  return ch.data != nullptr && n * sizeof(float) >= ch.data->params().min_bytes;
}

// Sends `values` over the data channel to the peer, then `head` as a remote message naming it.
template <class Msg>
bool send_remote(caf::event_based_actor* self, const caf::actor& to, const channel& ch, Msg head,
                 sgmc::protocols::float_values values) {
  const auto n = values.size();
  auto ticket = ch.data->send(*ch.peer, std::move(values));
  if (!ticket) return false;
  self->send(to, a::detail::remote<Msg>{std::move(head), {ch.data->id(), *ticket, n}});
  return true;
}

}  // namespace

void configure(caf::actor_system_config& cfg, caf_settings s, bool network) {
  if (network) cfg.load<caf::io::middleman>();
  sgmc::actors::register_messages(cfg);
  if (s == caf_settings::one_thread || s == caf_settings::sharing_one_thread) {
    cfg.set("scheduler.max-threads", 1);
    cfg.set("middleman.workers", 0);
  }
  if (s == caf_settings::sharing || s == caf_settings::sharing_one_thread) {
    cfg.set("scheduler.policy", caf::atom("sharing"));
  }
}

expected<caf::actor> connect(caf::actor_system& sys, std::uint16_t port) {
  caf::scoped_actor self{sys};
  expected<caf::actor> result = make_error(errc::timeout, "connect: no answer");
  self->request(sys.middleman().actor_handle(), kTimeout, caf::connect_atom::value,
                std::string("127.0.0.1"), port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (ptr) result = caf::actor_cast<caf::actor>(std::move(ptr));
          },
          [&](caf::error& err) {
            result = make_error(
                errc::io, "connect to 127.0.0.1:" + std::to_string(port) + ": " + sys.render(err));
          });
  return result;
}

caf::behavior echo(caf::event_based_actor* self, channel ch) {
  if (ch.trace != nullptr) ch.lane = ch.trace->lane();
  return {
      [=](p::theta_reply& x) {
        const auto from = caf::actor_cast<caf::actor>(self->current_sender());
        p::push reply{0, x.shard, x.version, x.version, p::push_kind::gradient, 0.0, {}};
        const auto n = x.data.values.size();
        record(ch, sgmc::engine::trace_role::worker, sgmc::engine::trace_type::params,
               sgmc::engine::trace_direction::received, n, x.version);
        reply.data = std::move(x.data);
        record(ch, sgmc::engine::trace_role::worker, sgmc::engine::trace_type::push,
               sgmc::engine::trace_direction::sent, n, x.version);
        self->send(from, std::move(reply));
      },
      [=](a::detail::remote<p::theta_reply>& r) {
        const auto from = caf::actor_cast<caf::actor>(self->current_sender());
        auto v = ch.data->take(r.ref.channel, r.ref.ticket, r.ref.n, kTimeout);
        if (!v) return;  // the pinger reports a timeout
        const auto& x = r.head;
        const auto n = v->size();
        record(ch, sgmc::engine::trace_role::worker, sgmc::engine::trace_type::params,
               sgmc::engine::trace_direction::received, n, x.version);
        record(ch, sgmc::engine::trace_role::worker, sgmc::engine::trace_type::push,
               sgmc::engine::trace_direction::sent, n, x.version);
        // As the REP server of zmq/roundtrip_reqrep: the payload goes back without a copy.
        send_remote(self, from, ch,
                    p::push{0, x.shard, x.version, x.version, p::push_kind::gradient, 0.0, {}},
                    std::move(*v));
      },
      [=](const std::string& peer_endpoint) {
        *ch.peer = peer_endpoint;
        if (ch.data != nullptr) ch.data->admit({peer_endpoint});  // with CURVE: its key
        return true;
      },
  };
}

caf::behavior ping(caf::stateful_actor<ping_state>* self, caf::actor peer, std::size_t n,
                   channel ch) {
  if (ch.trace != nullptr) ch.lane = ch.trace->lane();
  self->state.theta.assign(n, 0.25f);
  auto send_next = [self, peer, ch, n] {
    auto& s = self->state;
    ++s.version;
    record(ch, sgmc::engine::trace_role::master, sgmc::engine::trace_type::params,
           sgmc::engine::trace_direction::sent, n, s.version);
    if (!side_path(ch, n)) {
      self->send(peer, p::theta_reply{0, s.version, {s.theta}});
    } else if (!send_remote(self, peer, ch, p::theta_reply{0, s.version, {}}, s.theta)) {
      s.done.deliver(caf::make_error(caf::sec::request_timeout));
    }
  };
  // A reply of `got` floats at `version`.
  auto on_reply = [self, ch, n, send_next](std::size_t got, std::uint64_t version) {
    auto& s = self->state;
    record(ch, sgmc::engine::trace_role::master, sgmc::engine::trace_type::push,
           sgmc::engine::trace_direction::received, got, version);
    if (got != n || version != s.version) ++s.bad;
    if (--s.left > 0) {
      send_next();
    } else {
      s.done.deliver(s.bad);
    }
  };
  return {
      [=](run_atom, std::uint64_t k) {
        self->state.left = k;
        self->state.bad = 0;
        self->state.done = self->make_response_promise();
        send_next();
      },
      [=](p::push& r) { on_reply(r.data.values.size(), r.version); },
      [=](a::detail::remote<p::push>& r) {
        // The reply's payload: the channel's message itself, adopted without a copy.
        auto back = ch.data->take(r.ref.channel, r.ref.ticket, r.ref.n, kTimeout);
        if (!back) {
          self->state.done.deliver(caf::make_error(caf::sec::request_timeout));
          return;
        }
        on_reply(back->size(), r.head.version);
      },
  };
}

void run_batches(benchmark::State& state, caf::actor_system& sys, const caf::actor& pinger,
                 std::size_t n) {
  const std::uint64_t k = batch_for(n);
  caf::scoped_actor self{sys};
  for (auto _ : state) {
    bool ok = false;
    self->request(pinger, kTimeout, run_atom::value, k)
        .receive(
            [&](std::uint64_t bad) {
              ok = bad == 0;
              if (!ok) fail(state, "a reply carried the wrong payload");
            },
            [&](caf::error& err) { fail(state, sys.render(err)); });
    if (!ok) break;
  }
  const auto trips = static_cast<std::int64_t>(state.iterations() * k);
  state.SetItemsProcessed(trips);
  state.SetBytesProcessed(trips * static_cast<std::int64_t>(2 * sizeof(float) * n));
}

}  // namespace sgmc::bench
