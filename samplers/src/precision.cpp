#include "sgmc/samplers/precision.hpp"

#include <fmt/format.h>

#include <iterator>

namespace sgmc::samplers {
namespace {

template <class Enum, std::size_t N>
expected<Enum> parse(const char* const (&names)[N], const std::string& name, const char* key) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<Enum>(i);
  return make_error(errc::invalid_config, fmt::format("precision.{} must be one of {}, got \"{}\"",
                                                      key, fmt::join(names, " | "), name));
}

template <class Enum, std::size_t N>
const char* name_of(const char* const (&names)[N], Enum e) {
  const auto i = static_cast<std::size_t>(e);
  return i < N ? names[i] : "unknown";
}

}  // namespace

expected<weights_format> parse_weights_format(const std::string& name) {
  return parse<weights_format>(weights_format_names, name, "weights");
}
expected<quantizer_kind> parse_quantizer_kind(const std::string& name) {
  return parse<quantizer_kind>(quantizer_kind_names, name, "quantizer");
}
expected<accumulator_kind> parse_accumulator_kind(const std::string& name) {
  return parse<accumulator_kind>(accumulator_kind_names, name, "accumulator");
}
const char* to_string(weights_format w) { return name_of(weights_format_names, w); }
const char* to_string(quantizer_kind q) { return name_of(quantizer_kind_names, q); }
const char* to_string(accumulator_kind a) { return name_of(accumulator_kind_names, a); }

expected<void> validate(const precision_params& p) {
  if (static_cast<std::size_t>(p.weights) >= std::size(weights_format_names) ||
      static_cast<std::size_t>(p.quantizer) >= std::size(quantizer_kind_names) ||
      static_cast<std::size_t>(p.accumulator) >= std::size(accumulator_kind_names))
    return make_error(errc::invalid_config, "precision: a value outside its list of names");
  if (p.fraction_bits < -64 || p.fraction_bits > 64)
    return make_error(
        errc::invalid_config,
        fmt::format("precision.fraction_bits must be in [-64, 64], got {}", p.fraction_bits));
  const std::size_t b = p.block_size;
  if (b < 8 || b > 256 || (b & (b - 1)) != 0)
    return make_error(errc::invalid_config,
                      fmt::format("precision.block_size must be a power of two in [8, 256] (it "
                                  "divides the kernels' 256-element blocks), got {}",
                                  b));
  return {};
}

}  // namespace sgmc::samplers
