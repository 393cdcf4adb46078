#include "sgmc/actors/wire.hpp"

#include "remote_message.hpp"
#include "sgmc/engine/checkpoint.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <compare>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <vector>

namespace sgmc::protocols {
namespace {

caf::error read_floats(caf::deserializer& f, std::vector<float>& v);
caf::error write_floats(caf::serializer& f, std::vector<float>& v);

// Forwards every field of a message struct to a CAF processor, except floating-point scalars,
// which travel as their bit pattern, and float vectors, which travel as one raw block (as a
// payload's floats): CAF 0.17's IEEE-754 packing loses NaN and −0 and never returns for ±Inf.
template <class Processor>
class bitwise {
 public:
  using result_type = caf::error;
  explicit bitwise(Processor& f) : f_(f) {}

  template <class... Ts>
  caf::error operator()(Ts&... xs) {
    caf::error err;
    static_cast<void>((!(err = one(xs)) && ...));
    return err;
  }

 private:
  template <class Bits, class Float>
  caf::error bits_of(Float& x) {
    if constexpr (Processor::reads_state) {
      auto bits = std::bit_cast<Bits>(x);
      return f_(bits);
    } else {
      Bits bits = 0;
      auto err = f_(bits);
      if (!err) x = std::bit_cast<Float>(bits);
      return err;
    }
  }

  template <class T>
  caf::error one(T& x) {
    if constexpr (std::is_same_v<T, double>) {
      return bits_of<std::uint64_t>(x);
    } else if constexpr (std::is_same_v<T, float>) {
      return bits_of<std::uint32_t>(x);
    } else if constexpr (std::is_same_v<T, std::vector<float>>) {
      if constexpr (Processor::reads_state)
        return write_floats(f_, x);
      else
        return read_floats(f_, x);
    } else if constexpr (std::is_same_v<T, worker_chain>) {
      return inspect(*this, x);  // its floats bitwise too
    } else {
      return f_(x);
    }
  }

  Processor& f_;
};

template <class Processor, class T>
caf::error apply_bitwise(Processor& f, T& x) {
  bitwise<Processor> g{f};
  return inspect(g, x);
}

constexpr std::size_t kLoadChunkFloats = std::size_t{1} << 20;
// A hello's version string and body: far more than any sgmc sends (a version is a few bytes, a
// body two short strings and three numbers), far less than a peer could make us allocate.
constexpr std::size_t kMaxHelloVersionBytes = 64;
constexpr std::uint32_t kMaxHelloBodyBytes = 64 * 1024;
// Data files in a hello: [data] names at most four.
constexpr std::uint32_t kMaxHelloDataFiles = 16;

// Reads binary32 values from bytes of any alignment. Random access, so that std::copy (which
// vector::assign uses for trivial types) runs a counted loop the compiler vectorises.
struct float_reader {
  using iterator_category = std::random_access_iterator_tag;
  using value_type = float;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = float;
  static constexpr difference_type kSize = sizeof(float);

  const char* p = nullptr;

  float operator[](difference_type i) const {
    float x;
    std::memcpy(&x, p + i * kSize, sizeof x);
    return x;
  }
  float operator*() const { return (*this)[0]; }
  float_reader& operator+=(difference_type d) {
    p += d * kSize;
    return *this;
  }
  float_reader& operator-=(difference_type d) { return *this += -d; }
  float_reader& operator++() { return *this += 1; }
  float_reader& operator--() { return *this -= 1; }
  float_reader operator++(int) {
    auto old = *this;
    *this += 1;
    return old;
  }
  float_reader operator--(int) {
    auto old = *this;
    *this -= 1;
    return old;
  }
  friend float_reader operator+(float_reader a, difference_type d) { return a += d; }
  friend float_reader operator+(difference_type d, float_reader a) { return a += d; }
  friend float_reader operator-(float_reader a, difference_type d) { return a -= d; }
  friend difference_type operator-(float_reader a, float_reader b) { return (a.p - b.p) / kSize; }
  bool operator==(const float_reader&) const = default;
  auto operator<=>(const float_reader&) const = default;
};

}  // namespace

// A payload: its floats as one raw block, then its encoded bytes (`[codec]`; empty for plain
// floats) as another, each after its length.
caf::error inspect(caf::serializer& f, payload& x) {
  std::size_t n = x.values.size();
  std::size_t e = x.encoded.size();
  if (n > kMaxPayloadFloats || e > kMaxPayloadEncodedBytes)
    return caf::make_error(caf::sec::invalid_argument);
  return caf::error::eval([&] { return f.begin_sequence(n); },
                          [&] {
                            // apply_raw takes a non-const pointer for both directions; a serializer
                            // only reads.
                            return n > 0 ? f.apply_raw(n * sizeof(float),
                                                       const_cast<float*>(x.values.data()))
                                         : caf::error{};
                          },
                          [&] { return f.end_sequence(); }, [&] { return f.begin_sequence(e); },
                          [&] { return e > 0 ? f.apply_raw(e, x.encoded.data()) : caf::error{}; },
                          [&] { return f.end_sequence(); });
}

namespace {

caf::error write_floats(caf::serializer& f, std::vector<float>& v) {
  std::size_t n = v.size();
  if (n > kMaxPayloadFloats) return caf::make_error(caf::sec::invalid_argument);
  return caf::error::eval(
      [&] { return f.begin_sequence(n); },
      [&] { return n > 0 ? f.apply_raw(n * sizeof(float), v.data()) : caf::error{}; },
      [&] { return f.end_sequence(); });
}

caf::error read_floats(caf::deserializer& f, std::vector<float>& v) {
  std::size_t n = 0;
  if (auto err = f.begin_sequence(n)) return err;
  if (n > kMaxPayloadFloats) return caf::make_error(caf::sec::invalid_argument);
  if (auto* bytes = dynamic_cast<caf::binary_deserializer*>(&f)) {
    // The common case (BASP, tests): the whole message is in memory; check before allocating,
    // then copy straight into uninitialised storage (resize() would zero it first: one more
    // pass over the payload, ~15 % of a 4 MB round trip's cycles).
    if (n > bytes->remaining() / sizeof(float)) return caf::make_error(caf::sec::end_of_stream);
    const auto* p = reinterpret_cast<const char*>(bytes->remainder().data());
    v.assign(float_reader{p}, float_reader{p + n * sizeof(float)});
    bytes->skip(n * sizeof(float));
  } else {
    // Unknown source: grow as the bytes arrive, so a lying length costs at most one chunk.
    v.clear();
    while (v.size() < n) {
      const std::size_t lo = v.size();
      const std::size_t m = std::min(kLoadChunkFloats, n - lo);
      v.resize(lo + m);
      if (auto err = f.apply_raw(m * sizeof(float), v.data() + lo)) return err;
    }
  }
  return f.end_sequence();
}

caf::error read_bytes(caf::deserializer& f, std::vector<std::byte>& v) {
  std::size_t n = 0;
  if (auto err = f.begin_sequence(n)) return err;
  if (n > kMaxPayloadEncodedBytes) return caf::make_error(caf::sec::invalid_argument);
  if (auto* bytes = dynamic_cast<caf::binary_deserializer*>(&f)) {
    if (n > bytes->remaining()) return caf::make_error(caf::sec::end_of_stream);
    const auto* p = reinterpret_cast<const std::byte*>(bytes->remainder().data());
    v.assign(p, p + n);
    bytes->skip(n);
  } else {
    v.clear();
    while (v.size() < n) {
      const std::size_t lo = v.size();
      const std::size_t m = std::min(kLoadChunkFloats * sizeof(float), n - lo);
      v.resize(lo + m);
      if (auto err = f.apply_raw(m, v.data() + lo)) return err;
    }
  }
  return f.end_sequence();
}

// A u32 count (at most kMaxAckChains) and as many u64: one at a time, so that a count the
// bytes cannot back allocates nothing for it.
caf::error read_counts(caf::deserializer& f, std::vector<std::uint64_t>& v) {
  std::uint32_t n = 0;
  if (auto err = f(n)) return err;
  if (n > kMaxAckChains) return caf::make_error(caf::sec::invalid_argument);
  v.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint64_t x = 0;
    if (auto err = f(x)) return err;
    v.push_back(x);
  }
  return {};
}

}  // namespace

caf::error inspect(caf::deserializer& f, payload& x) {
  x.values.clear();  // an adopted buffer is let go, never copied
  if (auto err = read_floats(f, x.values.vec())) return err;
  return read_bytes(f, x.encoded);
}

caf::error inspect(caf::serializer& f, push& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, push& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::serializer& f, pull& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, pull& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::serializer& f, theta_reply& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, theta_reply& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::serializer& f, exchange& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, exchange& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::serializer& f, sample& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, sample& x) { return apply_bitwise(f, x); }
// hello is framed so that any later sgmc can read who sent it: the wire version and the sgmc
// version first, then every other field as one length-prefixed block. A receiver of another
// wire version reads the two versions, skips the block, and refuses the node naming both
// (engine::admission); it never has to understand the block.
// The body: role, worker, config hash, dim, data channel, then the data files as a u32 count
// (at most kMaxHelloDataFiles) and each file's key, path and digest, then the collector's draw
// counts as a u32 count (at most kMaxAckChains) and one u64 per chain.
caf::error inspect(caf::serializer& f, hello& x) {
  std::vector<char> body;
  caf::binary_serializer sink{f.context(), body};
  if (x.data_files.size() > kMaxHelloDataFiles) return caf::make_error(caf::sec::invalid_argument);
  auto files = static_cast<std::uint32_t>(x.data_files.size());
  if (auto err = sink(x.role, x.worker, x.config_hash, x.dim, x.data, files)) return err;
  for (auto& d : x.data_files)
    if (auto err = sink(d.key, d.path, d.sha256)) return err;
  if (x.draws.size() > kMaxAckChains) return caf::make_error(caf::sec::invalid_argument);
  auto chains = static_cast<std::uint32_t>(x.draws.size());
  if (auto err = sink(chains)) return err;
  for (auto& d : x.draws)
    if (auto err = sink(d)) return err;
  auto n = static_cast<std::uint32_t>(body.size());
  if (auto err = f(x.wire_version, x.sgmc_version, n)) return err;
  return f.apply_raw(body.size(), body.data());
}

caf::error inspect(caf::deserializer& f, hello& x) {
  std::uint32_t n = 0;
  if (auto err = f(x.wire_version, x.sgmc_version, n)) return err;
  if (x.sgmc_version.size() > kMaxHelloVersionBytes || n > kMaxHelloBodyBytes)
    return caf::make_error(caf::sec::invalid_argument);
  if (auto* bytes = dynamic_cast<caf::binary_deserializer*>(&f);
      bytes != nullptr && n > bytes->remaining())
    return caf::make_error(caf::sec::end_of_stream);
  std::vector<char> body(n);
  if (n > 0)
    if (auto err = f.apply_raw(n, body.data())) return err;
  if (x.wire_version != kWireVersion) return {};  // left for admission to refuse by name
  caf::binary_deserializer src{f.context(), body};
  std::uint32_t files = 0;
  if (auto err = src(x.role, x.worker, x.config_hash, x.dim, x.data, files)) return err;
  if (files > kMaxHelloDataFiles) return caf::make_error(caf::sec::invalid_argument);
  x.data_files.clear();
  for (std::uint32_t i = 0; i < files; ++i) {
    // One at a time: a count the body cannot back allocates nothing for it.
    data_file d;
    if (auto err = src(d.key, d.path, d.sha256)) return err;
    x.data_files.push_back(std::move(d));
  }
  if (auto err = read_counts(src, x.draws)) return err;
  if (src.remaining() != 0) return caf::make_error(caf::sec::invalid_argument);
  return {};
}
caf::error inspect(caf::serializer& f, welcome& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, welcome& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::serializer& f, stop& x) { return apply_bitwise(f, x); }
caf::error inspect(caf::deserializer& f, stop& x) { return apply_bitwise(f, x); }
// A u32 count of chains (at most kMaxAckChains), then one u64 per chain.
caf::error inspect(caf::serializer& f, draws_ack& x) {
  if (x.draws.size() > kMaxAckChains) return caf::make_error(caf::sec::invalid_argument);
  auto n = static_cast<std::uint32_t>(x.draws.size());
  if (auto err = f(n)) return err;
  for (auto& d : x.draws)
    if (auto err = f(d)) return err;
  return {};
}
caf::error inspect(caf::deserializer& f, draws_ack& x) { return read_counts(f, x.draws); }

}  // namespace sgmc::protocols

namespace sgmc::engine {

// A checkpoint request's θ and sampler state bit for bit (a resumed sync run must equal one that
// never stopped).
caf::error inspect(caf::serializer& f, checkpoint_request& x) {
  protocols::bitwise<caf::serializer> g{f};
  return g(x.state.version, x.state.theta, x.state.kernel_state, x.state.potential,
           x.state.exchanged, x.computed, x.shard);
}
caf::error inspect(caf::deserializer& f, checkpoint_request& x) {
  protocols::bitwise<caf::deserializer> g{f};
  return g(x.state.version, x.state.theta, x.state.kernel_state, x.state.potential,
           x.state.exchanged, x.computed, x.shard);
}
// An elastic worker's chain bit for bit (θ_i, momentum and centre).
caf::error inspect(caf::serializer& f, chain_part& x) {
  protocols::bitwise<caf::serializer> g{f};
  return g(x.id, x.worker, x.chain);
}
caf::error inspect(caf::deserializer& f, chain_part& x) {
  protocols::bitwise<caf::deserializer> g{f};
  return g(x.id, x.worker, x.chain);
}

}  // namespace sgmc::engine

namespace sgmc::actors {

void register_messages(caf::actor_system_config& cfg) {
  namespace p = sgmc::protocols;
  cfg.add_message_type<p::payload>("sgmc.payload");
  cfg.add_message_type<p::push>("sgmc.push");
  cfg.add_message_type<p::pull>("sgmc.pull");
  cfg.add_message_type<p::theta_reply>("sgmc.theta_reply");
  cfg.add_message_type<p::exchange>("sgmc.exchange");
  cfg.add_message_type<p::sample>("sgmc.sample");
  cfg.add_message_type<p::hello>("sgmc.hello");
  cfg.add_message_type<p::welcome>("sgmc.welcome");
  cfg.add_message_type<p::stop>("sgmc.stop");
  cfg.add_message_type<p::draws_ack>("sgmc.draws_ack");
  // Messages whose payload takes the data channel (remote_message.hpp).
  cfg.add_message_type<detail::remote<p::push>>("sgmc.remote_push");
  cfg.add_message_type<detail::remote<p::theta_reply>>("sgmc.remote_theta_reply");
  cfg.add_message_type<detail::remote<p::exchange>>("sgmc.remote_exchange");
  cfg.add_message_type<detail::remote<p::sample>>("sgmc.remote_sample");
}

}  // namespace sgmc::actors
