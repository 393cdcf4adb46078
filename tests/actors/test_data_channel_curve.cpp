// The data channel with CURVE (data_channel.hpp, docs/cluster.md#tls): channels that admitted
// each other's endpoints exchange payloads encrypted; a peer whose key was not admitted (a raw
// ZeroMQ peer without CURVE, one with a random key that knows the channel's public key, a
// channel of another cluster) files nothing, is counted and logged, and the channel goes on.
// Every wait is bounded.
#include "channel_testing.hpp"
#include "sgmc/actors/data_channel.hpp"

#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace a = sgmc::actors;
using sgmc::errc;
using namespace std::chrono_literals;
using namespace sgmc::actors::testing;

namespace {

std::unique_ptr<a::data_channel> open_curve(std::chrono::milliseconds hold = 10s,
                                            std::function<void(const std::string&)> log = {}) {
  a::data_channel_params p;
  p.curve = true;
  p.send_timeout = hold;
  auto ch = a::data_channel::open("127.0.0.1", p, std::move(log));
  INFO((ch ? std::string() : ch.error().message));
  REQUIRE(ch);
  return std::move(*ch);
}

// The channel's public key (binary) from its endpoint's 64 hex digits.
std::string public_key_of(const a::data_channel& ch) {
  const auto& e = ch.endpoint();
  const auto hex = e.substr(e.find("#curve=") + 7);
  REQUIRE(hex.size() == 64);
  std::string k;
  for (std::size_t i = 0; i < 64; i += 2)
    k += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return k;
}

// A stranger's PUSH socket to the channel's address: plain, or CURVE with a fresh random
// keypair (when `server_key` is given). It sends `frames` well-formed 1 MiB payloads of
// channel 0xbad, without waiting for room (a refused peer's queue fills and stays full).
void send_as_stranger(zmq::context_t& ctx, const a::data_channel& ch, const std::string* server_key,
                      int frames) {
  zmq::socket_t s(ctx, zmq::socket_type::push);
  s.set(zmq::sockopt::linger, 0);
  if (server_key != nullptr) {
    char pub[41], sec[41];
    REQUIRE(zmq_curve_keypair(pub, sec) == 0);
    s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_key->data(), 32));
    s.set(zmq::sockopt::curve_publickey, pub);
    s.set(zmq::sockopt::curve_secretkey, sec);
  }
  s.connect(ch.address());
  const std::string body(1u << 20, 'x');
  for (int t = 1; t <= frames; ++t) {
    const auto h = header(k_magic, 1, 0xbad, static_cast<std::uint64_t>(t), body.size() / 4);
    if (!s.send(zmq::buffer(h), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) break;
    (void)s.send(zmq::buffer(body), zmq::send_flags::dontwait);
  }
  std::this_thread::sleep_for(300ms);  // the handshake's time to be tried and refused
}

}  // namespace

TEST_CASE("data channel with CURVE: admitted channels exchange payloads over a CURVE server",
          "[actors]") {
  auto rx = open_curve();
  auto tx = open_curve();
  CHECK(rx->endpoint().starts_with(rx->address() + "#curve="));
  CHECK(rx->endpoint().size() == rx->address().size() + 7 + 64);
  CHECK(rx->endpoint() != tx->endpoint().substr(0, rx->endpoint().size()));
  rx->admit({rx->endpoint(), tx->endpoint()});
  tx->admit({rx->endpoint(), tx->endpoint()});
  std::vector<float> v(4096);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f - 7.0f;
  const auto expected = v;
  auto ticket = tx->send(rx->endpoint(), std::move(v));
  REQUIRE(ticket);
  auto got = rx->take(tx->id(), *ticket, expected.size(), k_wait);
  REQUIRE(got);
  CHECK(*got == expected);
  const auto st = rx->stats();
  CHECK(st.curve);  // ZMQ_CURVE_SERVER read back from the receiving socket
  CHECK(st.refused == 0);
  CHECK_THAT(a::describe(*rx), Catch::Contains(", CURVE"));
}

TEST_CASE("data channel with CURVE: a peer without an admitted key files nothing", "[actors]") {
  log_lines log;
  auto rx = open_curve(1s, log.sink());  // an unknown key waits 1 s, then is refused
  auto friend_ch = open_curve();
  auto rogue = open_curve();  // a channel of another cluster: it knows rx's endpoint
  rx->admit({rx->endpoint(), friend_ch->endpoint()});
  zmq::context_t ctx;
  const auto server_key = public_key_of(*rx);
  send_as_stranger(ctx, *rx, nullptr, 16);      // plain: no CURVE handshake at all
  send_as_stranger(ctx, *rx, &server_key, 16);  // CURVE, the right server key, a random own key
  REQUIRE(rogue->send(rx->endpoint(), std::vector<float>(1u << 18, 1.0f)));
  const auto st = wait_stats(*rx, [](const auto& s) { return s.refused >= 2; });
  CHECK(st.refused >= 2);  // the random key and the rogue channel (plain fails before ZAP)
  CHECK(st.pending_bytes == 0);
  CHECK(st.dropped == 0);
  CHECK(st.rejected == 0);
  CHECK(st.received == 0);
  auto none = rx->take(0xbad, 1, 1u << 18, 100ms);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::timeout);
  auto none2 = rx->take(rogue->id(), 1, 1u << 18, 100ms);
  CHECK_FALSE(none2);
  const auto lines = log.get();
  REQUIRE_FALSE(lines.empty());
  CHECK_THAT(lines[0], Catch::Contains("refused a peer at 127.0.0.1") &&
                           Catch::Contains("CURVE key is not one of the cluster's"));
  CHECK_THAT(a::describe(*rx), Catch::Contains("refused 2 peers without the key") ||
                                   Catch::Contains("peers without the key"));
  // The channel goes on: its admitted peer's payload arrives.
  auto ticket = friend_ch->send(rx->endpoint(), std::vector<float>(1024, 2.0f));
  REQUIRE(ticket);
  auto got = rx->take(friend_ch->id(), *ticket, 1024, k_wait);
  REQUIRE(got);
  CHECK(rx->stats().pending_bytes == 0);
}

TEST_CASE("data channel with CURVE: a key admitted after its peer connected is let in",
          "[actors]") {
  // The directory may reach a node after a peer's first payload (another connection): the
  // peer's handshake waits for its key.
  auto rx = open_curve();
  auto tx = open_curve();
  auto ticket = tx->send(rx->endpoint(), std::vector<float>(512, 3.0f));
  REQUIRE(ticket);
  std::this_thread::sleep_for(200ms);
  CHECK(rx->stats().pending_bytes == 0);  // not yet filed: the key is not admitted
  rx->admit({tx->endpoint()});
  auto got = rx->take(tx->id(), *ticket, 512, k_wait);
  REQUIRE(got);
  CHECK((*got)[0] == 3.0f);
  CHECK(rx->stats().refused == 0);
}

TEST_CASE("data channel: a plain and a CURVE channel refuse each other's endpoints", "[actors]") {
  auto secure = open_curve();
  auto plain = a::data_channel::open("127.0.0.1", {}, {});
  REQUIRE(plain);
  CHECK((*plain)->endpoint() == (*plain)->address());
  CHECK(a::describe(**plain).find("CURVE") == std::string::npos);
  auto r = (*plain)->send(secure->endpoint(), std::vector<float>(4, 1.0f));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::protocol);
  CHECK_THAT(r.error().message, Catch::Contains("cluster.tls"));
  auto r2 = secure->send((*plain)->endpoint(), std::vector<float>(4, 1.0f));
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == errc::protocol);
  auto r3 = secure->send(secure->address() + "#curve=xyz", std::vector<float>(4, 1.0f));
  REQUIRE_FALSE(r3);
  CHECK_THAT(r3.error().message, Catch::Contains("not 64 hex digits"));
}
