#include "sgmc/models/kinds.hpp"

#include <fmt/format.h>

#include <iterator>

namespace sgmc::models {
namespace {

// The enum whose name `name` is in `names` (indexed by the enum), or an error naming `key`.
template <class Enum, std::size_t N>
expected<Enum> parse_name(const char* const (&names)[N], const char* key, const std::string& name) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<Enum>(i);
  return make_error(errc::invalid_config, fmt::format("{} must be one of {}, got \"{}\"", key,
                                                      fmt::join(names, " | "), name));
}

template <class Enum, std::size_t N>
const char* name_of(const char* const (&names)[N], Enum value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "unknown";
}

}  // namespace

expected<model_kind> parse_model_kind(const std::string& name) {
  return parse_name<model_kind>(model_kind_names, "model.kind", name);
}
const char* to_string(model_kind kind) { return name_of(model_kind_names, kind); }

expected<activation> parse_activation(const std::string& name) {
  return parse_name<activation>(activation_names, "model.activation", name);
}
const char* to_string(activation act) { return name_of(activation_names, act); }

expected<data_format> parse_data_format(const std::string& name) {
  return parse_name<data_format>(data_format_names, "data.format", name);
}
const char* to_string(data_format format) { return name_of(data_format_names, format); }

expected<standardize_mode> parse_standardize_mode(const std::string& name) {
  return parse_name<standardize_mode>(standardize_mode_names, "data.standardize", name);
}
const char* to_string(standardize_mode mode) { return name_of(standardize_mode_names, mode); }

expected<synthetic_generator> parse_synthetic_generator(const std::string& name) {
  return parse_name<synthetic_generator>(synthetic_generator_names, "data.generator", name);
}
const char* to_string(synthetic_generator generator) {
  return name_of(synthetic_generator_names, generator);
}

}  // namespace sgmc::models
