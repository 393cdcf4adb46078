#pragma once
// How config_table.cpp (and config_table_sim.cpp) declare a key: one call per key naming its
// section, name, range, where its value lives in engine::run_config, and its description.
#include "config_keys.hpp"
#include "config_value.hpp"

#include <fmt/format.h>

#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sgmc::tools::detail {

inline std::string join_key(std::string_view section, std::string_view name) {
  return section.empty() ? std::string(name) : fmt::format("{}.{}", section, name);
}

/// The documentation of one key: its type, allowed values and a one-line description.
struct key_doc {
  std::string_view type;
  std::string range;
  std::string_view description;
};

inline std::string describe_choices(const std::vector<std::string_view>& choices) {
  return fmt::format("{}", fmt::join(choices, " | "));
}

/// Widths (features, layer widths) and row counts beyond these cannot fit in memory: a bound
/// that turns `1e12` into a config error instead of std::bad_alloc.
constexpr std::int64_t k_max_width = std::int64_t{1} << 24;  // 16,777,216
constexpr std::int64_t k_max_rows = 100'000'000;
constexpr int_range k_width{1, k_max_width};
constexpr real_range k_delay_ms{0.0, engine::k_max_delay_ms};

/// Builds a key from a reader `read(node, full_name) -> expected<V>`, an accessor
/// `get(cfg) -> V&` (a generic lambda, so it serves const and non-const configs), a writer
/// `write(const V&) -> std::string` and the key's documentation (type, range, description).
template <class Read, class Get, class Write>
config_key make_key(std::string_view section, std::string_view name, key_doc doc, Read read,
                    Get get, Write write) {
  const std::string full = join_key(section, name);
  config_key key;
  key.section = section;
  key.name = name;
  key.type = doc.type;
  key.range = std::move(doc.range);
  key.description = doc.description;
  key.read = [=](const toml::node& node, engine::run_config& cfg) -> expected<void> {
    auto v = read(node, full);
    if (!v) return unexpected(v.error());
    auto& field = get(cfg);
    field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    return {};
  };
  key.write = [=](const engine::run_config& cfg) { return write(get(cfg)); };
  return key;
}

template <class Get>
config_key real_key(std::string_view s, std::string_view n, real_range r, Get get,
                    std::string_view d) {
  return make_key(
      s, n, {"number", r.describe(), d},
      [r](const toml::node& v, std::string_view k) { return read_real(v, k, r); }, get,
      [](double x) { return toml_real(x); });
}

template <class Get>
config_key int_key(std::string_view s, std::string_view n, int_range r, Get get,
                   std::string_view d) {
  return make_key(
      s, n, {"integer", r.describe(), d},
      [r](const toml::node& v, std::string_view k) { return read_int(v, k, r); }, get,
      [](auto x) { return fmt::format("{}", x); });
}

template <class Get>
config_key bool_key(std::string_view s, std::string_view n, Get get, std::string_view d) {
  return make_key(
      s, n, {"bool", "", d},
      [](const toml::node& v, std::string_view k) { return read_bool(v, k); }, get,
      [](bool x) { return std::string(x ? "true" : "false"); });
}

template <class Get>
config_key string_key(std::string_view s, std::string_view n, Get get, std::string_view d) {
  return make_key(
      s, n, {"string", "", d},
      [](const toml::node& v, std::string_view k) { return read_string(v, k); }, get,
      [](const std::string& x) { return toml_string(x); });
}

/// The names of a module's list of kinds (`samplers::sampler_kind_names`, ...).
template <std::size_t N>
std::vector<std::string_view> names(const char* const (&list)[N]) {
  return {std::begin(list), std::end(list)};
}

/// A key whose value is one of a module's enums: the names come from the module's table `list`
/// (indexed by the enum; read_choice gives the messages), `parse` turns a name into the enum and
/// the module's to_string writes it back.
template <class Enum, std::size_t N, class Get>
config_key enum_key(std::string_view s, std::string_view n, const char* const (&list)[N],
                    expected<Enum> (*parse)(const std::string&), Get get, std::string_view d) {
  std::vector<std::string_view> c = names(list);
  auto read = [c, parse](const toml::node& v, std::string_view k) -> expected<Enum> {
    auto text = read_choice(v, k, c);
    if (!text) return unexpected(text.error());
    return parse(*text);
  };
  return make_key(s, n, {"string", describe_choices(c), d}, read, get,
                  [](Enum x) { return toml_string(to_string(x)); });
}

template <class Get>
config_key choice_key(std::string_view s, std::string_view n, std::vector<std::string_view> c,
                      Get get, std::string_view d) {
  return make_key(
      s, n, {"string", describe_choices(c), d},
      [c](const toml::node& v, std::string_view k) { return read_choice(v, k, c); }, get,
      [](const std::string& x) { return toml_string(x); });
}

template <class Get>
config_key size_list_key(std::string_view s, std::string_view n, int_range r, Get get,
                         std::string_view d) {
  return make_key(
      s, n, {"array of integers", "each " + r.describe(), d},
      [r](const toml::node& v, std::string_view k) { return read_size_list(v, k, r); }, get,
      [](const std::vector<std::size_t>& x) { return toml_size_list(x); });
}

template <class Get>
config_key real_list_key(std::string_view s, std::string_view n, real_range r, Get get,
                         std::string_view d) {
  return make_key(
      s, n, {"array of numbers", "each " + r.describe(), d},
      [r](const toml::node& v, std::string_view k) { return read_real_list(v, k, r); }, get,
      [](const std::vector<double>& x) { return toml_real_list(x); });
}

template <class Get>
config_key matrix_key(std::string_view s, std::string_view n, Get get, std::string_view d) {
  return make_key(
      s, n, {"array of arrays of numbers", "finite", d},
      [](const toml::node& v, std::string_view k) { return read_real_matrix(v, k); }, get,
      [](const std::vector<std::vector<double>>& x) { return toml_real_matrix(x); });
}

/// The accessor of one engine::run_config member, for const and non-const configs alike.
#define SGMC_FIELD(member) \
  [](auto& c) -> auto& { return c.member; }

template <class Get>
config_key index_map_key(std::string_view s, std::string_view n, real_range r, Get get,
                         std::string_view d) {
  return make_key(
      s, n, {"table", "index = number " + r.describe(), d},
      [r](const toml::node& v, std::string_view k) { return read_index_map(v, k, r); }, get,
      [](const std::map<std::uint32_t, double>& x) { return toml_index_map(x); });
}

/// Adds the keys of [sim] (config_table_sim.cpp).
void add_sim_keys(std::vector<config_key>& keys);
/// Adds the keys of [precision] (config_table_precision.cpp).
void add_precision_keys(std::vector<config_key>& keys);

}  // namespace sgmc::tools::detail
