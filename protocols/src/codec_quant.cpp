// Quantising codecs: qsgd, fixed8, bfp8. Stochastic rounding draws one 32-bit word per element
// (core::fill_bits at the element's index), so rounding up happens with probability within
// 2^-32 of the remainder.

#include "codec_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sgmc::protocols::codec_detail {
namespace {

constexpr int kBfpMinExp = -128;  // exponents of bfp8 blocks: 2^e per mantissa unit
constexpr int kBfpMaxExp = 122;   // max |x| < 2^128 needs e ≤ 122 for |q| ≤ 127

/// ⌊y⌋ + [u < y − ⌊y⌋], clamped to [lo, hi]; NaN maps to 0 (no UB on any input).
inline long stochastic_round(double y, double u, long lo, long hi) {
  if (!(y == y)) return 0;
  y = std::clamp(y, static_cast<double>(lo), static_cast<double>(hi));
  const double f = std::floor(y);
  return std::clamp(static_cast<long>(f) + (u < y - f ? 1 : 0), lo, hi);
}

std::vector<std::uint32_t> words(const core::rng_key& key, std::size_t n) {
  std::vector<std::uint32_t> w(n);
  core::fill_bits(key, 0, w);
  return w;
}

// qsgd body: ⌈d/n⌉ f32 norms, then d codes of b bits {sign << (b−1) | level}, LSB first.
void encode_qsgd(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                 writer& w) {
  const std::size_t d = x.size(), n = p.bucket_size, b = p.bits;
  const double s = static_cast<double>((1u << (b - 1)) - 1);
  const auto u = words(key, d);
  std::vector<float> norms((d + n - 1) / n);
  for (std::size_t j = 0; j < norms.size(); ++j) {
    double sq = 0;
    for (std::size_t i = j * n; i < std::min(d, (j + 1) * n); ++i) sq += double(x[i]) * x[i];
    const double nrm = std::sqrt(sq);
    float f = static_cast<float>(nrm);
    if (f < nrm) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    norms[j] = f;  // rounded up, so |x_i| ≤ ν and level ≤ s
  }
  w.put_span(std::span<const float>(norms));
  std::vector<std::byte> bits((d * b + 7) / 8);
  std::uint64_t acc = 0;
  std::size_t nacc = 0, at = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double nu = norms[i / n];
    const double r = nu > 0 ? std::fabs(double(x[i])) * s / nu : 0.0;
    const auto level =
        static_cast<std::uint64_t>(stochastic_round(r, word_uniform(u[i]), 0, long(s)));
    const std::uint64_t code = (std::signbit(x[i]) && level ? 1ull << (b - 1) : 0) | level;
    acc |= code << nacc;
    nacc += b;
    while (nacc >= 8) {
      bits[at++] = static_cast<std::byte>(acc & 0xff);
      acc >>= 8;
      nacc -= 8;
    }
  }
  if (nacc > 0) bits[at++] = static_cast<std::byte>(acc & 0xff);
  w.put_span(std::span<const std::byte>(bits));
}

expected<void> decode_qsgd(const codec_params& p, reader& r, std::span<float> out) {
  const std::size_t d = out.size(), n = p.bucket_size, b = p.bits;
  const double s = static_cast<double>((1u << (b - 1)) - 1);
  if (d > std::numeric_limits<std::size_t>::max() / 16) return malformed(p.kind, "dim too large");
  std::vector<float> norms((d + n - 1) / n);
  const std::size_t nbytes = (d * b + 7) / 8;
  if (r.remaining() != norms.size() * sizeof(float) + nbytes) {
    return malformed(p.kind, fmt::format("{} body bytes where {} expected", r.remaining(),
                                         norms.size() * sizeof(float) + nbytes));
  }
  (void)r.get_span(std::span<float>(norms));
  for (float nu : norms) {
    if (!(nu >= 0.0f && std::isfinite(nu))) return malformed(p.kind, "a bucket norm is invalid");
  }
  std::vector<std::byte> bits(nbytes);
  (void)r.get_span(std::span<std::byte>(bits));
  std::uint64_t acc = 0;
  std::size_t nacc = 0, at = 0;
  const std::uint64_t mask = (1ull << b) - 1, level_mask = (1ull << (b - 1)) - 1;
  for (std::size_t i = 0; i < d; ++i) {
    while (nacc < b) {
      acc |= static_cast<std::uint64_t>(bits[at++]) << nacc;
      nacc += 8;
    }
    const std::uint64_t code = acc & mask;
    acc >>= b;
    nacc -= b;
    const double v = double(norms[i / n]) * double(code & level_mask) / s;
    out[i] = static_cast<float>((code >> (b - 1)) ? -v : v);
  }
  return {};
}

// fixed8 body: d int8 values q, x̂ = q 2^−f.
void encode_fixed8(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                   writer& w) {
  const auto u = words(key, x.size());
  const double scale = std::ldexp(1.0, p.fraction_bits);
  std::vector<std::int8_t> q(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    q[i] = static_cast<std::int8_t>(stochastic_round(x[i] * scale, word_uniform(u[i]), -128, 127));
  }
  w.put_span(std::span<const std::int8_t>(q));
}

expected<void> decode_fixed8(const codec_params& p, reader& r, std::span<float> out) {
  if (r.remaining() != out.size()) {
    return malformed(p.kind,
                     fmt::format("{} body bytes where {} expected", r.remaining(), out.size()));
  }
  std::vector<std::int8_t> q(out.size());
  (void)r.get_span(std::span<std::int8_t>(q));
  const double unit = std::ldexp(1.0, -p.fraction_bits);
  for (std::size_t i = 0; i < q.size(); ++i) out[i] = static_cast<float>(q[i] * unit);
  return {};
}

/// The smallest e in [kBfpMinExp, kBfpMaxExp] with m ≤ 127 2^e.
int bfp_exponent(float m) {
  if (!(m > 0.0f) || !std::isfinite(m)) return m > 0.0f ? kBfpMaxExp : kBfpMinExp;
  int ex = 0;
  std::frexp(m, &ex);  // m < 2^ex
  int e = ex - 7;
  if (double(m) > std::ldexp(127.0, e)) ++e;
  return std::clamp(e, kBfpMinExp, kBfpMaxExp);
}

// bfp8 body: per block of B values, one int8 exponent then the block's int8 mantissas.
void encode_bfp8(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                 writer& w) {
  const auto u = words(key, x.size());
  std::vector<std::int8_t> block(p.block_size + 1);
  for (std::size_t lo = 0; lo < x.size(); lo += p.block_size) {
    const std::size_t hi = std::min(x.size(), lo + p.block_size);
    float m = 0;
    for (std::size_t i = lo; i < hi; ++i) m = std::max(m, std::fabs(x[i]));
    const int e = bfp_exponent(m);
    const double inv = std::ldexp(1.0, -e);
    block[0] = static_cast<std::int8_t>(e);
    for (std::size_t i = lo; i < hi; ++i) {
      block[1 + i - lo] =
          static_cast<std::int8_t>(stochastic_round(x[i] * inv, word_uniform(u[i]), -127, 127));
    }
    w.put_span(std::span<const std::int8_t>(block.data(), 1 + hi - lo));
  }
}

expected<void> decode_bfp8(const codec_params& p, reader& r, std::span<float> out) {
  const std::size_t d = out.size(), blocks = (d + p.block_size - 1) / p.block_size;
  if (r.remaining() != d + blocks) {
    return malformed(p.kind,
                     fmt::format("{} body bytes where {} expected", r.remaining(), d + blocks));
  }
  std::vector<std::int8_t> block(p.block_size + 1);
  for (std::size_t lo = 0; lo < d; lo += p.block_size) {
    const std::size_t hi = std::min(d, lo + p.block_size);
    (void)r.get_span(std::span<std::int8_t>(block.data(), 1 + hi - lo));
    const int e = block[0];
    if (e > kBfpMaxExp) return malformed(p.kind, fmt::format("block exponent {} too large", e));
    const double unit = std::ldexp(1.0, e);
    for (std::size_t i = lo; i < hi; ++i) {
      const int q = block[1 + i - lo];
      if (q == -128) return malformed(p.kind, "mantissa -128 is not a bfp8 value");
      out[i] = static_cast<float>(q * unit);
    }
  }
  return {};
}

}  // namespace

void encode_quant(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                  writer& w) {
  if (p.kind == codec_kind::qsgd) return encode_qsgd(p, x, key, w);
  if (p.kind == codec_kind::fixed8) return encode_fixed8(p, x, key, w);
  return encode_bfp8(p, x, key, w);
}

expected<void> decode_quant(const codec_params& p, reader& r, std::span<float> out) {
  if (p.kind == codec_kind::qsgd) return decode_qsgd(p, r, out);
  if (p.kind == codec_kind::fixed8) return decode_fixed8(p, r, out);
  return decode_bfp8(p, r, out);
}

}  // namespace sgmc::protocols::codec_detail
