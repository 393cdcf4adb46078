#pragma once
// What the fuzzers of the network decoders share (tests/actors/test_fuzz_decoders.cpp runs them
// with a fixed seed in `make test`; tests/fuzz/fuzz_*.cpp are the libFuzzer targets of
// `make fuzz`): a valid encoding of every message that crosses processes, and a decode of
// arbitrary bytes that checks what a decode must never do.
//
// A decode of n bytes must end in an error or a value that
//   - holds no more payload bytes, string bytes or data files than n bytes can carry (so a
//     lying length never makes us allocate beyond the input: every cap is the input's size;
//     the Catch test also measures the largest single allocation);
//   - encodes again, and that encoding decodes to a value that encodes to the same bytes.
// Data channel frames: check_frame() accepts only a 32-byte header of the right magic and
// version whose n <= the cap and equals the payload bytes / 4.
#include "../../actors/src/data_frame.hpp"
#include "../../actors/src/remote_message.hpp"
#include "sgmc/actors/wire.hpp"
#include "sgmc/engine/run_report.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sgmc::test::fuzz {

namespace p = sgmc::protocols;
namespace d = sgmc::actors::detail;
using bytes = std::vector<char>;

/// The messages, in the order of their fuzz target index.
inline constexpr const char* kMessageNames[] = {"push",
                                                "pull",
                                                "theta_reply",
                                                "exchange",
                                                "sample",
                                                "hello",
                                                "welcome",
                                                "stop",
                                                "remote_push",
                                                "remote_theta_reply",
                                                "remote_exchange",
                                                "remote_sample",
                                                "shard_report",
                                                "worker_report",
                                                "draws_ack"};
inline constexpr std::size_t kMessages = std::size(kMessageNames);

template <class T>
bool save(T& x, bytes& out) {
  out.clear();
  caf::binary_serializer sink{nullptr, out};
  return !sink(x);
}

inline p::payload some_payload(std::size_t n, std::size_t e) {
  p::payload x;
  for (std::size_t i = 0; i < n; ++i) x.values.vec().push_back(0.5f * static_cast<float>(i) - 1.0f);
  if (n > 1) x.values.vec()[1] = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t i = 0; i < e; ++i) x.encoded.push_back(static_cast<std::byte>(i * 37));
  return x;
}

/// A valid encoding of message `k` (variant `v` of a few shapes).
inline bytes seed(std::size_t k, std::size_t v) {
  const std::size_t n = (v % 3) * 5, e = v % 2 == 0 ? 0 : 7;
  bytes out;
  p::push push{3, 1, 17, 42, p::push_kind::gradient, -2.5, some_payload(n, e)};
  p::theta_reply params{1, 9, some_payload(n, e)};
  p::exchange ex{2, 0, 100, 4, some_payload(n, e)};
  p::sample s{1, 2, 3, 0, 256, 1.5, -1, some_payload(n, 0)};
  p::hello h{"worker", 2, 0x1234, 300, v % 2 ? "tcp://127.0.0.1:5000" : ""};
  if (v % 2) h.data_files = {{"train", "/d/train.csv", std::string(64, 'a')}};
  if (v % 3 == 1) h.draws = {7, 0, 1u << 20};
  p::draws_ack ack;
  for (std::size_t i = 0; i < v % 4; ++i) ack.draws.push_back(100 * i + v);
  p::pull pull{1, 0, 7};
  p::welcome w{1, 300, 2, 4, 5, 6, v % 2 == 1};
  p::stop st{v % 2 ? "done" : "master lost"};
  const d::payload_ref ref{0xabcdef, v, n};
  sgmc::engine::shard_report rep{1, 99, {}, {3, 4, 5}, {0, v, 0, 0, 0, 1}};
  rep.staleness.count = 1;
  rep.staleness.sum = rep.staleness.max = v;
  rep.staleness.hist = {0, 1, 0, 2};
  sgmc::engine::worker_report wrep{2, 1000 + v};
  switch (k) {
    case 0:
      save(push, out);
      break;
    case 1:
      save(pull, out);
      break;
    case 2:
      save(params, out);
      break;
    case 3:
      save(ex, out);
      break;
    case 4:
      save(s, out);
      break;
    case 5:
      save(h, out);
      break;
    case 6:
      save(w, out);
      break;
    case 7:
      save(st, out);
      break;
    case 8: {
      d::remote<p::push> r{push, ref};
      r.head.data = {};
      save(r, out);
      break;
    }
    case 9: {
      d::remote<p::theta_reply> r{params, ref};
      r.head.data = {};
      save(r, out);
      break;
    }
    case 10: {
      d::remote<p::exchange> r{ex, ref};
      r.head.theta = {};
      save(r, out);
      break;
    }
    case 11: {
      d::remote<p::sample> r{s, ref};
      r.head.theta = {};
      save(r, out);
      break;
    }
    case 12:
      save(rep, out);
      break;
    case 13:
      save(wrep, out);
      break;
    case 14:
      save(ack, out);
      break;
    default:
      break;
  }
  return out;
}

inline std::size_t held(const p::payload& x) {
  return x.values.size() * sizeof(float) + x.encoded.size();
}
inline std::size_t held(const p::push& x) { return held(x.data); }
inline std::size_t held(const p::pull&) { return 0; }
inline std::size_t held(const p::theta_reply& x) { return held(x.data); }
inline std::size_t held(const p::exchange& x) { return held(x.theta); }
inline std::size_t held(const p::sample& x) { return held(x.theta); }
inline std::size_t held(const p::welcome&) { return 0; }
inline std::size_t held(const p::stop& x) { return x.reason.size(); }
inline std::size_t held(const p::hello& x) {
  std::size_t n = x.role.size() + x.data.size() + x.sgmc_version.size();
  for (const auto& f : x.data_files) n += f.key.size() + f.path.size() + f.sha256.size();
  return n + x.draws.size() * sizeof(std::uint64_t);
}
inline std::size_t held(const sgmc::engine::shard_report& x) {
  return (x.staleness.hist.size() + x.applied.size() + x.rejected.size()) * sizeof(std::uint64_t);
}
inline std::size_t held(const sgmc::engine::worker_report&) { return 0; }
inline std::size_t held(const p::draws_ack& x) { return x.draws.size() * sizeof(std::uint64_t); }
template <class Msg>
std::size_t held(const d::remote<Msg>& x) {
  return held(x.head);
}

/// What a decode found wrong ("" when nothing: an error or a sound value).
struct outcome {
  bool decoded = false;
  std::string violation;
};

template <class T>
outcome decode_as(const char* data, std::size_t size) {
  T x;
  caf::binary_deserializer source{nullptr, data, size};
  if (source(x)) return {};
  outcome o{true, {}};
  if (held(x) > size) {
    o.violation = "a decoded value holds more bytes than its input";
    return o;
  }
  if constexpr (std::is_same_v<T, p::hello>) {
    if (x.data_files.size() > size) o.violation = "more data files than input bytes";
  }
  bytes once, twice;
  if (!save(x, once)) {
    o.violation = "a decoded value does not encode again";
    return o;
  }
  T y;
  caf::binary_deserializer again{nullptr, once};
  if (again(y) || again.remaining() != 0) {
    o.violation = "the encoding of a decoded value does not decode";
    return o;
  }
  if (!save(y, twice) || twice != once) o.violation = "decode and encode disagree";
  return o;
}

/// Decodes `data` as message k (k < kMessages).
inline outcome decode(std::size_t k, const char* data, std::size_t size) {
  switch (k) {
    case 0:
      return decode_as<p::push>(data, size);
    case 1:
      return decode_as<p::pull>(data, size);
    case 2:
      return decode_as<p::theta_reply>(data, size);
    case 3:
      return decode_as<p::exchange>(data, size);
    case 4:
      return decode_as<p::sample>(data, size);
    case 5:
      return decode_as<p::hello>(data, size);
    case 6:
      return decode_as<p::welcome>(data, size);
    case 7:
      return decode_as<p::stop>(data, size);
    case 8:
      return decode_as<d::remote<p::push>>(data, size);
    case 9:
      return decode_as<d::remote<p::theta_reply>>(data, size);
    case 10:
      return decode_as<d::remote<p::exchange>>(data, size);
    case 11:
      return decode_as<d::remote<p::sample>>(data, size);
    case 12:
      return decode_as<sgmc::engine::shard_report>(data, size);
    case 13:
      return decode_as<sgmc::engine::worker_report>(data, size);
    case 14:
      return decode_as<p::draws_ack>(data, size);
    default:
      return {};
  }
}

/// A valid data channel message: header bytes then n floats' bytes.
inline bytes frame_seed(std::uint64_t n) {
  d::frame_header h;
  h.channel = 0x1122334455667788u;
  h.ticket = 5;
  h.n = n;
  bytes out(sizeof h + n * sizeof(float), 0);
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

/// check_frame on `data` cut into a header part (first 32 bytes, or all when shorter) and a
/// body part (the rest), `parts` parts in all, with a cap of `max_floats`.
inline outcome check_frame_bytes(const char* data, std::size_t size, std::size_t parts,
                                 std::uint64_t max_floats) {
  const std::size_t head = std::min<std::size_t>(size, sizeof(d::frame_header));
  d::frame_header h;
  const auto why = d::check_frame(parts, data, head, size - head, max_floats, h);
  outcome o{!why.has_value(), {}};
  if (why && why->empty()) o.violation = "a refusal without a reason";
  if (!why && (h.n > max_floats || h.n * sizeof(float) != size - head || parts != 2 ||
               h.magic != d::kFrameMagic))
    o.violation = "an accepted frame breaks its own rules";
  return o;
}

}  // namespace sgmc::test::fuzz
