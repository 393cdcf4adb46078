// Codec names, parameter checks, and the dispatch of encode/decode to each family.

#include "codec_impl.hpp"
#include "sgmc/core/assert.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace sgmc::protocols {

using namespace codec_detail;

expected<codec_kind> parse_codec_kind(const std::string& name) {
  for (std::size_t i = 0; i < std::size(codec_kind_names); ++i) {
    if (name == codec_kind_names[i]) return static_cast<codec_kind>(i);
  }
  return make_error(errc::invalid_config, fmt::format("codec: expected one of {}, got \"{}\"",
                                                      fmt::join(codec_kind_names, " | "), name));
}

const char* to_string(codec_kind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(codec_kind_names) ? codec_kind_names[i] : "unknown";
}

bool is_unbiased(codec_kind kind) { return kind != codec_kind::topk; }

namespace {

unexpected bad(codec_kind kind, const std::string& what) {
  return make_error(errc::invalid_config, fmt::format("codec {}: {}", to_string(kind), what));
}

expected<void> validate_sparse(const codec_params& p) {
  if (p.budget == sparse_budget::fraction && !(p.fraction > 0.0 && p.fraction <= 1.0)) {
    return bad(p.kind, fmt::format("fraction must be in (0, 1], got {}", p.fraction));
  }
  if (p.budget == sparse_budget::variance && !(p.variance > 0.0 && std::isfinite(p.variance))) {
    return bad(p.kind, fmt::format("variance must be positive, got {}", p.variance));
  }
  if (p.solver == sparse_solver::greedy && p.budget != sparse_budget::fraction) {
    return bad(p.kind, "the greedy solver needs budget = fraction");
  }
  if (p.solver == sparse_solver::greedy && p.greedy_iterations == 0) {
    return bad(p.kind, "greedy_iterations must be at least 1");
  }
  return {};
}

expected<void> validate_svd(const codec_params& p, std::size_t dim) {
  std::size_t total = 0;
  for (const auto& s : p.shapes) {
    if (s.rows == 0 || s.cols == 0 || s.rows > dim || s.cols > dim / s.rows) {
      return bad(p.kind, fmt::format("shape {}x{} does not fit dim {}", s.rows, s.cols, dim));
    }
    total += s.rows * s.cols;
    if (total > dim) break;
  }
  if (total != dim) {
    return bad(p.kind, fmt::format("the shapes cover {} values, the payload has {}", total, dim));
  }
  return {};
}

}  // namespace

expected<void> validate(const codec_params& p, std::size_t dim) {
  if (static_cast<std::size_t>(p.kind) >= std::size(codec_kind_names)) {
    return make_error(errc::invalid_config, "codec: unknown kind");
  }
  switch (p.kind) {
    case codec_kind::identity:
      return {};
    case codec_kind::random_sparse:
      if (dim > 0xffffffffu) return bad(p.kind, "dim must be below 2^32");
      return validate_sparse(p);
    case codec_kind::topk:
      if (!(p.fraction > 0.0 && p.fraction <= 1.0)) {
        return bad(p.kind, fmt::format("fraction must be in (0, 1], got {}", p.fraction));
      }
      if (dim > 0xffffffffu) return bad(p.kind, "dim must be below 2^32");
      return {};
    case codec_kind::atomo_entry:
    case codec_kind::atomo_svd:
      if (!(p.atoms > 0.0 && std::isfinite(p.atoms))) {
        return bad(p.kind, fmt::format("atoms must be positive, got {}", p.atoms));
      }
      if (dim > 0xffffffffu) return bad(p.kind, "dim must be below 2^32");
      return p.kind == codec_kind::atomo_svd ? validate_svd(p, dim) : expected<void>{};
    case codec_kind::qsgd:
      if (p.bits < 2 || p.bits > 16) return bad(p.kind, fmt::format("bits must be in [2, 16]"));
      if (p.bucket_size == 0) return bad(p.kind, "bucket_size must be at least 1");
      return {};
    case codec_kind::fixed8:
      if (p.fraction_bits < -64 || p.fraction_bits > 64) {
        return bad(p.kind, "fraction_bits must be in [-64, 64]");
      }
      return {};
    case codec_kind::bfp8:
      if (p.block_size == 0 || p.block_size > 65536) {
        return bad(p.kind, "block_size must be in [1, 65536]");
      }
      return {};
  }
  return {};
}

namespace codec_detail {

unexpected malformed(codec_kind kind, const std::string& what) {
  return make_error(errc::protocol, fmt::format("codec {}: {}", to_string(kind), what));
}

std::uint8_t header_aux(const codec_params& p) {
  switch (p.kind) {
    case codec_kind::qsgd:
      return static_cast<std::uint8_t>(p.bits);
    case codec_kind::fixed8:
      return static_cast<std::uint8_t>(static_cast<std::int8_t>(p.fraction_bits));
    case codec_kind::random_sparse:
      return static_cast<std::uint8_t>(p.solver);
    default:
      return 0;
  }
}

void put_header(writer& w, codec_kind kind, std::uint8_t aux, std::size_t dim) {
  w.put(kMagic);
  w.put(static_cast<std::uint8_t>(kind));
  w.put(aux);
  w.put(std::uint8_t{0});
  w.put(static_cast<std::uint64_t>(dim));
}

expected<void> check_header(reader& r, codec_kind kind, std::uint8_t aux, std::size_t dim) {
  std::uint8_t magic = 0, k = 0, a = 0, zero = 0;
  std::uint64_t d = 0;
  if (!(r.get(magic) && r.get(k) && r.get(a) && r.get(zero) && r.get(d))) {
    return malformed(kind, "buffer shorter than the header");
  }
  if (magic != kMagic || zero != 0) return malformed(kind, "not a codec header");
  if (k != static_cast<std::uint8_t>(kind)) {
    return malformed(kind, fmt::format("the buffer was encoded with codec {}",
                                       to_string(static_cast<codec_kind>(k))));
  }
  if (a != aux) return malformed(kind, fmt::format("parameter byte {} where {} expected", a, aux));
  if (d != dim) return malformed(kind, fmt::format("dim {} where {} expected", d, dim));
  return {};
}

}  // namespace codec_detail

encoder::encoder(codec_params params, std::size_t dim) : params_(std::move(params)), dim_(dim) {
  if (params_.kind == codec_kind::topk) residual_.assign(dim, 0.0f);
}

expected<encoder> encoder::make(const codec_params& params, std::size_t dim) {
  if (auto ok = validate(params, dim); !ok) return unexpected(ok.error());
  return encoder(params, dim);
}

void encoder::encode(std::span<const float> x, const core::rng_key& key,
                     std::vector<std::byte>& out) {
  SGMC_ASSERT(x.size() == dim_, "codec: payload size differs from the encoder's dim");
  out.clear();
  writer w(out);
  put_header(w, params_.kind, header_aux(params_), dim_);
  switch (params_.kind) {
    case codec_kind::identity:
      w.put_span(x);
      break;
    case codec_kind::random_sparse:
    case codec_kind::atomo_entry:
    case codec_kind::topk:
      encode_sparse(params_, x, key, residual_, w);
      break;
    case codec_kind::atomo_svd:
      encode_svd(params_, x, key, w);
      break;
    case codec_kind::qsgd:
    case codec_kind::fixed8:
    case codec_kind::bfp8:
      encode_quant(params_, x, key, w);
      break;
  }
}

std::vector<std::byte> encoder::encode(std::span<const float> x, const core::rng_key& key) {
  std::vector<std::byte> out;
  encode(x, key, out);
  return out;
}

expected<void> decode(const codec_params& p, std::span<const std::byte> in, std::span<float> out) {
  if (auto ok = validate(p, out.size()); !ok) {
    return malformed(p.kind, "the receiver's params are invalid: " + ok.error().message);
  }
  reader r(in);
  if (auto ok = check_header(r, p.kind, header_aux(p), out.size()); !ok) return ok;
  expected<void> body;
  switch (p.kind) {
    case codec_kind::identity:
      if (r.remaining() != out.size_bytes()) {
        return malformed(p.kind, fmt::format("{} payload bytes where {} expected", r.remaining(),
                                             out.size_bytes()));
      }
      (void)r.get_span(out);
      break;
    case codec_kind::random_sparse:
    case codec_kind::atomo_entry:
    case codec_kind::topk:
      body = decode_sparse(p, r, out);
      break;
    case codec_kind::atomo_svd:
      body = decode_svd(p, r, out);
      break;
    case codec_kind::qsgd:
    case codec_kind::fixed8:
    case codec_kind::bfp8:
      body = decode_quant(p, r, out);
      break;
  }
  if (!body) return body;
  if (r.remaining() != 0) {
    return malformed(p.kind, fmt::format("{} trailing bytes after the payload", r.remaining()));
  }
  return {};
}

expected<std::vector<float>> decode(const codec_params& p, std::span<const std::byte> in,
                                    std::size_t expected_dim) {
  std::vector<float> out(expected_dim);
  if (auto ok = decode(p, in, std::span<float>(out)); !ok) return unexpected(ok.error());
  return out;
}

}  // namespace sgmc::protocols
