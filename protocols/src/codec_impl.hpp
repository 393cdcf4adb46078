#pragma once
// Private parts of the codecs: the byte writer and the bounds-checked reader of the wire format,
// and each family's encode/decode (codec_quant.cpp, codec_sparse.cpp, codec_svd.cpp).

#include "sgmc/protocols/codec.hpp"

#include <cstring>
#include <type_traits>

namespace sgmc::protocols::codec_detail {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::uint8_t kMagic = 'C';

/// Appends trivially copyable values to a byte vector (little-endian hosts only, as x86-64).
class writer {
 public:
  explicit writer(std::vector<std::byte>& out) : out_(out) {}
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  template <class T>
  void put_span(std::span<const T> v) {
    const auto at = out_.size();
    out_.resize(at + v.size_bytes());
    if (!v.empty()) std::memcpy(out_.data() + at, v.data(), v.size_bytes());
  }

 private:
  std::vector<std::byte>& out_;
};

/// Reads values from a buffer; every read checks what is left (ok() turns false and stays so).
class reader {
 public:
  explicit reader(std::span<const std::byte> in) : in_(in) {}
  template <class T>
  bool get(T& v) {
    if (remaining() < sizeof(T)) return ok_ = false;
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  /// n values of T into out (n must already be known to fit; checked again here).
  template <class T>
  bool get_span(std::span<T> out) {
    if (out.size() > remaining() / sizeof(T)) return ok_ = false;
    if (!out.empty()) std::memcpy(out.data(), in_.data() + at_, out.size_bytes());
    at_ += out.size_bytes();
    return true;
  }
  std::size_t remaining() const { return in_.size() - at_; }
  bool ok() const { return ok_; }

 private:
  std::span<const std::byte> in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

/// errc::protocol "codec <kind>: <what>".
unexpected malformed(codec_kind kind, const std::string& what);

/// The header {magic, kind, aux, 0, dim}.
void put_header(writer& w, codec_kind kind, std::uint8_t aux, std::size_t dim);
/// Reads and checks the header against the receiver's kind, aux and dim.
expected<void> check_header(reader& r, codec_kind kind, std::uint8_t aux, std::size_t dim);

/// Uniform doubles in (0, 1) from 32-bit words: (w + 0.5) / 2^32.
inline double word_uniform(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * 0x1p-32; }

// Each family: encode appends the body after the header; decode reads the body.
void encode_quant(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                  writer& w);
expected<void> decode_quant(const codec_params& p, reader& r, std::span<float> out);
/// λ of the keep probabilities p_i = min(λ |x_i|, 1) of random-sparse and atomo-entry.
double keep_lambda(std::span<const float> x, const codec_params& p);
void encode_sparse(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                   std::vector<float>& residual, writer& w);
expected<void> decode_sparse(const codec_params& p, reader& r, std::span<float> out);
void encode_svd(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                writer& w);
expected<void> decode_svd(const codec_params& p, reader& r, std::span<float> out);

/// The header's aux byte for params (qsgd: bits, fixed8: fraction bits, bfp8: log2 B or 0).
std::uint8_t header_aux(const codec_params& p);

}  // namespace sgmc::protocols::codec_detail
