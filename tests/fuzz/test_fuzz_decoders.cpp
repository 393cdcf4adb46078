// The network decoders under mutated input, with a fixed seed: valid encodings of every message
// (decoders.hpp) bit-flipped, cut, with length fields set huge, overwritten with random bytes,
// and random buffers. Every decode ends in an error or a sound value (decoders.hpp), and no
// single allocation during a decode is larger than its input plus a constant (operator new is
// replaced here to measure it): a lying length field costs nothing. A failure prints the message,
// the mutation's index and the input bytes. This file replaces the global operator new/delete
// (malloc/free): g++ 12 then sees its own inlined delete calls as mismatched.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "decoders.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

namespace {

thread_local bool tl_measuring = false;
thread_local std::size_t tl_largest = 0;

}  // namespace

// Not in the AddressSanitizer build: there ASan's own operator new serves some of the
// allocations (it reported "alloc-dealloc-mismatch (operator new vs free)" at exit), and that
// build is for memory errors; the Release build measures the allocations.
#if !defined(__SANITIZE_ADDRESS__)
void* operator new(std::size_t n) {
  if (tl_measuring) tl_largest = std::max(tl_largest, n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

namespace fz = sgmc::test::fuzz;
using fz::bytes;

// What a decode may allocate beyond its input's size: fixed-size parts of the values (the
// staleness histogram's 33 buckets, up to 16 data-file records of a hello).
constexpr std::size_t kSlack = 2048;

// One mutation of `in`, chosen by rng.
bytes mutate(const bytes& in, std::mt19937_64& rng) {
  bytes out = in;
  const auto below = [&](std::size_t n) { return n == 0 ? 0 : rng() % n; };
  switch (rng() % 7) {
    case 0:  // flip 1 to 4 bits
      for (int i = 0, k = 1 + static_cast<int>(rng() % 4); i < k && !out.empty(); ++i)
        out[below(out.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:  // cut
      out.resize(below(out.size() + 1));
      break;
    case 2: {  // a length field set huge: 8 bytes of 0xff (or 0x7f..) somewhere
      const std::size_t at = below(out.size() + 1);
      const char fill = rng() % 2 ? '\xff' : '\x7f';
      for (std::size_t i = at; i < std::min(out.size(), at + 1 + below(8)); ++i) out[i] = fill;
      break;
    }
    case 3:  // overwrite a run with random bytes
      for (std::size_t i = below(out.size() + 1), k = 1 + below(16); k > 0 && i < out.size();
           ++i, --k)
        out[i] = static_cast<char>(rng());
      break;
    case 4:  // insert random bytes
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(below(out.size() + 1)), 1 + below(9),
                 static_cast<char>(rng()));
      break;
    case 5:  // append garbage
      for (std::size_t k = 1 + below(64); k > 0; --k) out.push_back(static_cast<char>(rng()));
      break;
    default:  // a random buffer
      out.assign(below(128), 0);
      for (auto& c : out) c = static_cast<char>(rng());
      break;
  }
  return out;
}

std::string hex(const bytes& b) {
  std::string s;
  for (char c : b) s += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return s;
}

}  // namespace

TEST_CASE("every valid message encoding decodes soundly", "[fuzz]") {
  for (std::size_t k = 0; k < fz::kMessages; ++k)
    for (std::size_t v = 0; v < 6; ++v) {
      const auto in = fz::seed(k, v);
      REQUIRE(!in.empty());
      const auto o = fz::decode(k, in.data(), in.size());
      INFO(fz::kMessageNames[k] << " variant " << v);
      CHECK(o.decoded);
      CHECK(o.violation.empty());
    }
}

TEST_CASE(
    "mutated message encodings decode to an error or a sound value, allocating no more "
    "than their size",
    "[fuzz]") {
  std::mt19937_64 rng(20261205);
  std::size_t decoded = 0, refused = 0;
  for (std::size_t k = 0; k < fz::kMessages; ++k) {
    for (int i = 0; i < 600; ++i) {
      auto in = mutate(fz::seed(k, static_cast<std::size_t>(i) % 6), rng);
      if (i % 3 == 0) in = mutate(in, rng);  // two mutations
      tl_largest = 0;
      tl_measuring = true;
      const auto o = fz::decode(k, in.data(), in.size());
      tl_measuring = false;
      (o.decoded ? decoded : refused) += 1;
      if (!o.violation.empty() || tl_largest > in.size() + kSlack) {
        FAIL_CHECK(fz::kMessageNames[k]
                   << " mutation " << i << ": "
                   << (o.violation.empty() ? "allocated too much" : o.violation)
                   << " (largest allocation " << tl_largest << " bytes, input " << in.size()
                   << " bytes " << hex(in) << ")");
      }
    }
  }
  // Both outcomes occur: the mutations reach past the first check.
  CHECK(decoded > 500);
  CHECK(refused > 500);
}

TEST_CASE("a hello announcing many data files or a huge body is refused without allocating it",
          "[fuzz]") {
  // The regression cases of the hello's bounded fields: a count of 2^32 − 1 data files.
  auto h = fz::seed(5, 1);
  // The body's data file count sits after role, worker, config hash, dim and data channel;
  // find the encoded "train" key and set the u32 before its length byte to 0xffffffff.
  const std::string key = "train";
  auto at = std::search(h.begin(), h.end(), key.begin(), key.end());
  REQUIRE(at != h.end());
  const auto count = static_cast<std::size_t>(at - h.begin()) - 1 - 4;
  for (std::size_t i = 0; i < 4; ++i) h[count + i] = '\xff';
  tl_largest = 0;
  tl_measuring = true;
  const auto o = fz::decode(5, h.data(), h.size());
  tl_measuring = false;
  CHECK_FALSE(o.decoded);
  CHECK(tl_largest <= h.size() + kSlack);
}

TEST_CASE("mutated data channel frames are refused with a reason or accepted by the rules",
          "[fuzz]") {
  std::mt19937_64 rng(20261206);
  std::size_t accepted = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t cap = 1 + rng() % 64;
    auto in = fz::frame_seed(rng() % (cap + 1));
    if (i % 4 != 0) in = mutate(in, rng);
    const std::size_t parts = i % 10 == 0 ? rng() % 4 : 2;
    const auto o = fz::check_frame_bytes(in.data(), in.size(), parts, cap);
    (o.decoded ? accepted : refused) += 1;
    if (!o.violation.empty()) FAIL_CHECK("frame " << i << ": " << o.violation << " " << hex(in));
  }
  CHECK(accepted > 500);
  CHECK(refused > 500);
}
