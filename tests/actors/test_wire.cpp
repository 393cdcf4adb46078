// The CAF wire format of protocols/messages.hpp (actors/wire.hpp): payloads and floating-point
// scalars arrive bit-identical (NaN payload bits, −0, ±Inf, subnormals), empty and 1M-float
// payloads round-trip, truncated or lying buffers give an error without a large allocation,
// and a params message crosses between two actor systems over loopback.
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/checkpoint.hpp"

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/all.hpp>
#include <caf/stream_deserializer.hpp>
#include <caf/streambuf.hpp>
#include <catch2/catch.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace p = sgmc::protocols;

namespace {

using bytes = std::vector<char>;

template <class T>
bytes save(T& x) {
  bytes buf;
  caf::binary_serializer sink{nullptr, buf};
  auto err = sink(x);
  REQUIRE(!err);
  return buf;
}

template <class T>
caf::error load(const bytes& buf, T& x) {
  caf::binary_deserializer source{nullptr, buf};
  return source(x);
}

float from_bits(std::uint32_t b) { return std::bit_cast<float>(b); }

/// Floats whose bits CAF 0.17's IEEE-754 packing would change or never finish on.
std::vector<float> special_floats() {
  constexpr auto lim = std::numeric_limits<float>{};
  return {lim.quiet_NaN(),
          -lim.quiet_NaN(),
          from_bits(0x7fc12345u),
          from_bits(0x7f800001u),  // signalling NaN
          -0.0f,
          0.0f,
          lim.infinity(),
          -lim.infinity(),
          lim.denorm_min(),
          -lim.denorm_min(),
          from_bits(0x007fffffu),  // largest subnormal
          1e-40f,
          lim.min(),
          lim.max(),
          -lim.max(),
          1.0f,
          -3.25f};
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

/// Every 32-bit pattern is fair game: NaNs, infinities and subnormals included.
std::vector<float> random_bits(std::size_t n) {
  std::vector<float> v(n);
  std::uint64_t s = 0x9e3779b97f4a7c15u;
  for (auto& x : v) {
    s = s * 6364136223846793005u + 1442695040888963407u;
    x = from_bits(static_cast<std::uint32_t>(s >> 32));
  }
  return v;
}

/// The encoding of params{shard = 1, version = 2} up to (not including) its payload length.
bytes params_prefix() {
  p::theta_reply m;
  m.shard = 1;
  m.version = 2;
  auto buf = save(m);
  buf.resize(buf.size() - 2);  // the empty payload's lengths: floats and encoded bytes
  return buf;
}

void append_varbyte(bytes& buf, std::uint32_t x) {
  while (x > 0x7f) {
    buf.push_back(static_cast<char>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  buf.push_back(static_cast<char>(x));
}

}  // namespace

TEST_CASE("params payload keeps NaN bits, -0, infinities and subnormals", "[wire]") {
  p::theta_reply in;
  in.shard = 3;
  in.version = 42;
  in.data.values = special_floats();
  auto buf = save(in);
  CHECK(buf.size() < in.data.values.size() * sizeof(float) + 16);  // one raw block
  p::theta_reply out;
  REQUIRE(!load(buf, out));
  CHECK(out.shard == 3);
  CHECK(out.version == 42);
  CHECK(same_bits(out.data.values, in.data.values));
}

TEST_CASE("push and sample keep a NaN, infinite or -0 potential bit for bit", "[wire]") {
  for (double pot :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN(), -0.0, 4.9e-324, 1.5}) {
    p::push in{7, 1, 9, 11, p::push_kind::update, pot, {{1.0f, -0.0f}}};
    p::push out;
    REQUIRE(!load(save(in), out));
    CHECK(out.worker == 7);
    CHECK(out.shard == 1);
    CHECK(out.version == 9);
    CHECK(out.seq == 11);
    CHECK(out.kind == p::push_kind::update);
    CHECK(same_bits(out.potential, pot));
    CHECK(same_bits(out.data.values, in.data.values));

    p::sample s{2, 3, 4, 0, 100, pot, 7, {special_floats()}};
    p::sample t;
    REQUIRE(!load(save(s), t));
    CHECK(t.chain == 2);
    CHECK(t.draw == 3);
    CHECK(t.step == 4);
    CHECK(t.offset == 100);
    CHECK(same_bits(t.potential, pot));
    CHECK(t.staleness == 7);
    CHECK(same_bits(t.theta.values, s.theta.values));
  }
}

TEST_CASE("every message type round-trips, empty payloads included", "[wire]") {
  p::exchange ex;
  ex.worker = 5;
  ex.shard = 2;
  ex.step = 77;
  ex.version = 12;
  p::exchange ex_out;
  ex_out.theta.values = {9.0f};
  REQUIRE(!load(save(ex), ex_out));
  CHECK(ex_out.worker == 5);
  CHECK(ex_out.step == 77);
  CHECK(ex_out.version == 12);
  CHECK(ex_out.theta.values.empty());

  p::pull pl{4, 1, 123}, pl_out;
  REQUIRE(!load(save(pl), pl_out));
  CHECK((pl_out.worker == 4 && pl_out.shard == 1 && pl_out.have == 123));

  p::hello h{"worker", 3, 0xdeadbeefcafef00du, 1000, "tcp://10.0.0.7:41234"}, h_out;
  REQUIRE(!load(save(h), h_out));
  CHECK(h_out.role == "worker");
  CHECK(h_out.data == "tcp://10.0.0.7:41234");
  CHECK(h_out.config_hash == 0xdeadbeefcafef00du);
  CHECK(h_out.dim == 1000);

  p::welcome w{3, 1000, 2, 4}, w_out;
  REQUIRE(!load(save(w), w_out));
  CHECK((w_out.worker == 3 && w_out.dim == 1000 && w_out.shards == 2 && w_out.workers == 4));
  CHECK_FALSE(w_out.resumed);

  // A resumed run's welcome: θ bit for bit (−0 stays −0), the counts as sent.
  p::welcome rw{1, 3, 1, 2}, rw_out;
  rw.resumed = true;
  rw.resume_version = 1234;
  rw.resume_computed = 617;
  rw.resume_theta = {-0.0f, 1e-42f, 2.5f};
  rw.resume_draws = {112};
  REQUIRE(!load(save(rw), rw_out));
  CHECK(rw_out.resumed);
  CHECK((rw_out.resume_version == 1234 && rw_out.resume_computed == 617));
  REQUIRE(rw_out.resume_theta.size() == 3);
  CHECK(std::memcmp(rw_out.resume_theta.data(), rw.resume_theta.data(), 3 * sizeof(float)) == 0);
  CHECK(rw_out.resume_draws == std::vector<std::uint64_t>{112});

  // A master shard's checkpoint part: θ and the sampler state bit for bit.
  sgmc::engine::checkpoint_request cr, cr_out;
  cr.state.version = 99;
  cr.state.theta = special_floats();
  cr.state.kernel_state = {-0.0f, 1e-42f};
  cr.state.potential = -0.0;
  cr.computed = {99, 98};
  cr.shard = 1;
  REQUIRE(!load(save(cr), cr_out));
  CHECK((cr_out.state.version == 99 && cr_out.shard == 1 && cr_out.computed == cr.computed));
  REQUIRE(cr_out.state.theta.size() == cr.state.theta.size());
  CHECK(std::memcmp(cr_out.state.theta.data(), cr.state.theta.data(),
                    cr.state.theta.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(cr_out.state.kernel_state.data(), cr.state.kernel_state.data(),
                    2 * sizeof(float)) == 0);
  CHECK(std::signbit(cr_out.state.potential));

  // elastic: the master's exchanged steps, a worker's chain (its momentum bit for bit) in a
  // chain_part and in a resumed worker's welcome.
  cr.state.exchanged = {40, 100};
  REQUIRE(!load(save(cr), cr_out));
  CHECK(cr_out.state.exchanged == cr.state.exchanged);
  p::worker_chain wc;
  wc.theta = special_floats();
  wc.kernel_state = {-0.0f, 1e-42f};
  wc.local_steps = 70;
  wc.computed = 71;
  wc.centre = {1.0f, -0.0f};
  wc.centre_versions = {12};
  wc.pending = true;
  sgmc::engine::chain_part cp{33, 1, wc}, cp_out;
  REQUIRE(!load(save(cp), cp_out));
  CHECK((cp_out.id == 33 && cp_out.worker == 1));
  CHECK(same_bits(cp_out.chain.theta, wc.theta));
  CHECK(same_bits(cp_out.chain.kernel_state, wc.kernel_state));
  CHECK(same_bits(cp_out.chain.centre, wc.centre));
  CHECK((cp_out.chain.local_steps == 70 && cp_out.chain.computed == 71));
  CHECK((cp_out.chain.centre_versions == wc.centre_versions && cp_out.chain.pending &&
         !cp_out.chain.finished));
  rw.resume_chain = wc;
  REQUIRE(!load(save(rw), rw_out));
  CHECK(same_bits(rw_out.resume_chain.kernel_state, wc.kernel_state));
  CHECK(rw_out.resume_chain.local_steps == 70);

  p::stop st{"master lost"}, st_out;
  REQUIRE(!load(save(st), st_out));
  CHECK(st_out.reason == "master lost");
}

TEST_CASE("a 1M-float payload of arbitrary bit patterns round-trips", "[wire]") {
  p::theta_reply in;
  in.data.values = random_bits(std::size_t{1} << 20);
  auto buf = save(in);
  CHECK(buf.size() < in.data.values.size() * sizeof(float) + 32);
  p::theta_reply out;
  REQUIRE(!load(buf, out));
  CHECK(same_bits(out.data.values, in.data.values));
}

TEST_CASE("a truncated params buffer gives an error at every cut", "[wire]") {
  p::theta_reply in;
  in.version = 5;
  in.data.values = random_bits(1000);
  const auto full = save(in);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{12},
                          std::size_t{14}, full.size() / 2, full.size() - 1}) {
    const bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    p::theta_reply out;
    INFO("cut at " << cut << " of " << full.size() << " bytes");
    CHECK(load(part, out));
  }
}

TEST_CASE("a payload length beyond the remaining bytes is refused before allocating", "[wire]") {
  for (std::uint32_t n : {std::uint32_t{3}, std::uint32_t{1} << 29,
                          static_cast<std::uint32_t>(p::kMaxPayloadFloats + 1), ~0u}) {
    auto buf = params_prefix();
    append_varbyte(buf, n);
    buf.insert(buf.end(), 8, '\0');  // two floats' worth of bytes
    p::theta_reply out;
    INFO("announced length " << n);
    CHECK(load(buf, out));
    CHECK(out.data.values.vec().capacity() <= 2);
  }
}

TEST_CASE("a lying length from a streaming deserializer allocates at most one chunk", "[wire]") {
  auto buf = params_prefix();
  append_varbyte(buf, std::uint32_t{1} << 29);  // 2 GiB announced
  buf.insert(buf.end(), 64, '\0');
  caf::stream_deserializer<caf::arraybuf<char>> source{nullptr, buf.data(), buf.size()};
  p::theta_reply out;
  CHECK(source(out));
  CHECK(out.data.values.vec().capacity() <= (std::size_t{1} << 20));
}

TEST_CASE("an encoded payload ([codec]) round-trips and its length is checked", "[wire]") {
  p::push in;
  in.worker = 3;
  in.seq = 9;
  for (int i = 0; i < 777; ++i) in.data.encoded.push_back(static_cast<std::byte>(i * 37));
  auto buf = save(in);
  CHECK(buf.size() < in.data.encoded.size() + 64);
  p::push out;
  REQUIRE(!load(buf, out));
  CHECK(out.data.values.empty());
  CHECK(out.data.encoded == in.data.encoded);
  CHECK(out.seq == 9);
  // Cut anywhere in the encoded bytes or their length: an error, never a short payload.
  for (std::size_t cut : {buf.size() - 1, buf.size() - 400, buf.size() - 778}) {
    const bytes part(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(cut));
    p::push o;
    INFO("cut at " << cut << " of " << buf.size());
    CHECK(load(part, o));
  }
  // A length beyond what remains is refused before allocating.
  auto lie = buf;
  lie.resize(buf.size() - 777 - 2);  // drop the bytes and their 2-byte length
  append_varbyte(lie, std::uint32_t{1} << 30);
  lie.insert(lie.end(), 8, '\0');
  p::push o;
  CHECK(load(lie, o));
  CHECK(o.data.encoded.capacity() <= 8);
}

TEST_CASE("register_messages names every message type sgmc.<struct>", "[wire][actors]") {
  caf::actor_system_config cfg;
  sgmc::actors::register_messages(cfg);
  caf::actor_system sys{cfg};
  for (const char* name : {"sgmc.push", "sgmc.pull", "sgmc.theta_reply", "sgmc.exchange",
                           "sgmc.sample", "sgmc.hello", "sgmc.welcome", "sgmc.stop"}) {
    INFO(name);
    CHECK(sys.types().make_value(name) != nullptr);
  }
  CHECK(sys.types().portable_name(0, &typeid(p::push)) == "sgmc.push");
  // A whole message, as BASP sends it: type names, then each element.
  auto msg = caf::make_message(p::push{1,
                                       0,
                                       2,
                                       3,
                                       p::push_kind::gradient,
                                       std::numeric_limits<double>::infinity(),
                                       {special_floats()}});
  bytes buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(msg));
  caf::message back;
  caf::binary_deserializer source{sys, buf};
  REQUIRE(!source(back));
  REQUIRE(back.match_elements<p::push>());
  const auto& got = back.get_as<p::push>(0);
  CHECK(same_bits(got.data.values, special_floats()));
  CHECK(got.potential == std::numeric_limits<double>::infinity());
}

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

void configure_node(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", 2);
  sgmc::actors::register_messages(cfg);
}

/// Connects through the middleman actor, which (unlike middleman::remote_actor) takes a timeout.
caf::actor connect_to(caf::actor_system& sys, caf::scoped_actor& self, std::uint16_t port) {
  caf::actor remote;
  self->request(sys.middleman().actor_handle(), kTimeout, caf::connect_atom::value,
                std::string("127.0.0.1"), port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            remote = caf::actor_cast<caf::actor>(std::move(ptr));
          },
          [&](caf::error& err) { FAIL("connect: " << sys.render(err)); });
  return remote;
}

/// Sends `x` to `remote` and returns its answer (a failed test if none within kTimeout).
template <class T>
T round_trip(caf::actor_system& sys, caf::scoped_actor& self, const caf::actor& remote,
             const T& x) {
  T back;
  self->request(remote, kTimeout, x)
      .receive([&](T& answer) { back = std::move(answer); },
               [&](caf::error& err) { FAIL("round trip: " << sys.render(err)); });
  return back;
}

}  // namespace

TEST_CASE("params with NaN, -0, Inf and subnormals cross loopback bit-identical",
          "[wire][actors]") {
  caf::actor_system_config server_cfg, client_cfg;
  configure_node(server_cfg);
  configure_node(client_cfg);
  caf::actor_system server{server_cfg};
  caf::actor_system client{client_cfg};
  // One (unused) argument: CAF 0.17.6 dereferences a null argument tuple when a function
  // actor is spawned with none (UBSan: reference binding to null pointer).
  auto echo = server.spawn(
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {[](p::theta_reply& x) { return x; }, [](p::push& x) { return x; }};
      },
      0);
  auto port = server.middleman().publish(echo, 0, "127.0.0.1");
  REQUIRE(port);
  {
    caf::scoped_actor self{client};
    const auto remote = connect_to(client, self, *port);
    REQUIRE(remote);
    const p::theta_reply in{1, 7, {special_floats()}};
    const auto out = round_trip(client, self, remote, in);
    CHECK(out.version == 7);
    CHECK(same_bits(out.data.values, in.data.values));
    // An infinite potential made CAF 0.17's packing loop forever on the sending thread.
    p::push inf;
    inf.potential = std::numeric_limits<double>::infinity();
    inf.data.values = {std::numeric_limits<float>::infinity()};
    const auto back = round_trip(client, self, remote, inf);
    CHECK(back.potential == inf.potential);
    CHECK(same_bits(back.data.values, inf.data.values));
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST_CASE("a hello carries both versions first, and one of another wire format stays readable",
          "[wire]") {
  p::hello h{"collector", 0, 7, 12, ""}, h_out;
  REQUIRE(!load(save(h), h_out));
  CHECK(h_out.wire_version == p::kWireVersion);
  CHECK(h_out.sgmc_version == sgmc::core::version());
  CHECK(h_out.role == "collector");

  // A later sgmc's hello: its versions, then a body this build cannot parse, then the rest of
  // the CAF message (here the node's origin string). The versions are read, the body skipped,
  // the origin still read after it.
  bytes buf;
  {
    caf::binary_serializer sink{nullptr, buf};
    std::uint32_t wire = p::kWireVersion + 1, n = 5;
    std::string version = "9.9.9";
    REQUIRE(!sink(wire, version, n));
    REQUIRE(!sink.apply_raw(5, const_cast<char*>("\x01\xff\x02\xfe\x03")));
    std::string origin = "host (pid 4)";
    REQUIRE(!sink(origin));
  }
  {
    caf::binary_deserializer source{nullptr, buf};
    p::hello foreign;
    std::string origin;
    REQUIRE(!source(foreign, origin));
    CHECK(foreign.wire_version == p::kWireVersion + 1);
    CHECK(foreign.sgmc_version == "9.9.9");
    CHECK(foreign.role.empty());  // not read: admission refuses it by its versions
    CHECK(origin == "host (pid 4)");
    CHECK(source.remaining() == 0);
  }

  // Hostile framing: a body longer than the message, longer than any hello, a version string
  // longer than any version, trailing bytes in a body of this wire format.
  auto framed = [](std::uint32_t wire, std::string version, std::uint32_t n, const bytes& body) {
    bytes out;
    caf::binary_serializer sink{nullptr, out};
    REQUIRE(!sink(wire, version, n));
    if (!body.empty()) REQUIRE(!sink.apply_raw(body.size(), const_cast<char*>(body.data())));
    return out;
  };
  p::hello bad;
  CHECK(load(framed(p::kWireVersion, "0.1.0", 1000, bytes(10, 'x')), bad));
  CHECK(load(framed(p::kWireVersion + 1, "0.1.0", 1u << 30, bytes(10, 'x')), bad));
  CHECK(load(framed(p::kWireVersion + 1, std::string(1000, 'v'), 0, {}), bad));
  bytes body = save(h);  // a whole hello as the body: framing plus fields, more than the fields
  CHECK(load(framed(p::kWireVersion, "0.1.0", static_cast<std::uint32_t>(body.size()), body), bad));
}

TEST_CASE("a collector's draw counts travel in its hello, and a draws_ack is bounded", "[wire]") {
  p::hello h{"collector", 0, 7, 12, "tcp://c:1"}, h_out;
  h.draws = {3, 0, std::uint64_t{1} << 40};
  REQUIRE(!load(save(h), h_out));
  CHECK(h_out.draws == h.draws);
  CHECK(h_out.data == "tcp://c:1");

  p::draws_ack a{{5, 6, 7}}, a_out;
  REQUIRE(!load(save(a), a_out));
  CHECK(a_out.draws == a.draws);
  p::welcome w{1, 2, 3, 4, 5, 6}, w_out;
  w.rejoin = true;
  REQUIRE(!load(save(w), w_out));
  CHECK(w_out.rejoin);

  // A count beyond kMaxAckChains, or one the bytes cannot back, is an error: nothing allocated
  // for it.
  auto counted = [](std::uint32_t n, std::size_t values) {
    bytes out;
    caf::binary_serializer sink{nullptr, out};
    REQUIRE(!sink(n));
    for (std::size_t i = 0; i < values; ++i) {
      std::uint64_t x = i;
      REQUIRE(!sink(x));
    }
    return out;
  };
  p::draws_ack bad;
  CHECK(load(counted(sgmc::protocols::kMaxAckChains + 1, 0), bad));
  CHECK(load(counted(1000, 2), bad));
  CHECK(bad.draws.size() <= 2);
  CHECK(!load(counted(2, 2), bad));
  CHECK(bad.draws == std::vector<std::uint64_t>{0, 1});
  p::draws_ack too_many;
  too_many.draws.resize(sgmc::protocols::kMaxAckChains + 1);
  bytes out;
  caf::binary_serializer sink{nullptr, out};
  CHECK(sink(too_many));
}
