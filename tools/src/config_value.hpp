#pragma once
// Typed reading of TOML values for the config loader, and writing them back as TOML text.
// Every read checks type and range and, on failure, returns a one-line message naming the key:
//   "sampler.step_size must be > 0 (got -1)".

#include "sgmc/core/error.hpp"

#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sgmc::tools::detail {

/// An interval of real numbers, open or closed at either end.
struct real_range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double x) const;
  std::string describe() const;  ///< "> 0", ">= 0", "in [0, 1)", "finite"
};

/// A closed interval of integers.
struct int_range {
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();

  bool contains(std::int64_t x) const { return x >= lo && x <= hi; }
  std::string describe() const;  ///< ">= 1", "in [1, 256]"
};

inline constexpr real_range k_any_real{};
inline constexpr real_range k_positive{0.0, std::numeric_limits<double>::infinity(), true, false};
inline constexpr real_range k_non_negative{0.0, std::numeric_limits<double>::infinity()};
inline constexpr int_range k_non_negative_int{0, std::numeric_limits<std::int64_t>::max()};
inline constexpr int_range k_positive_int{1, std::numeric_limits<std::int64_t>::max()};
inline constexpr int_range k_positive_int32{1, std::numeric_limits<std::int32_t>::max()};

/// The value as it appears in TOML, for "(got ...)" parts of messages.
std::string describe_node(const toml::node& node);

expected<double> read_real(const toml::node& node, std::string_view key, real_range range);
expected<std::int64_t> read_int(const toml::node& node, std::string_view key, int_range range);
expected<bool> read_bool(const toml::node& node, std::string_view key);
expected<std::string> read_string(const toml::node& node, std::string_view key);
/// A string that must be one of `choices`.
expected<std::string> read_choice(const toml::node& node, std::string_view key,
                                  const std::vector<std::string_view>& choices);
/// An array of integers, each in range.
expected<std::vector<std::size_t>> read_size_list(const toml::node& node, std::string_view key,
                                                  int_range range);
/// An array of numbers, each in range.
expected<std::vector<double>> read_real_list(const toml::node& node, std::string_view key,
                                             real_range range);
/// An array of arrays of numbers (a dense matrix, row by row; rows may differ in length here,
/// the model checks the shape).
expected<std::vector<std::vector<double>>> read_real_matrix(const toml::node& node,
                                                            std::string_view key);

/// A table of index = number ({ "1" = 3.0 }): keys must be non-negative integers, values in
/// range.
expected<std::map<std::uint32_t, double>> read_index_map(const toml::node& node,
                                                         std::string_view key, real_range range);

// Writing values as TOML text (exact round trip: doubles use the shortest form that reads back
// to the same bits).
std::string toml_string(std::string_view s);
std::string toml_real(double x);
std::string toml_size_list(const std::vector<std::size_t>& v);
std::string toml_real_list(const std::vector<double>& v);
std::string toml_index_map(const std::map<std::uint32_t, double>& m);
std::string toml_real_matrix(const std::vector<std::vector<double>>& m);

}  // namespace sgmc::tools::detail
