#include "config_value.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>

#include <cmath>
#include <sstream>

namespace sgmc::tools::detail {
namespace {

unexpected type_error(std::string_view key, std::string_view what, const toml::node& node) {
  return make_error(errc::invalid_config,
                    fmt::format("{} must be {} (got {})", key, what, describe_node(node)));
}

unexpected range_error(std::string_view key, const std::string& range, std::string_view got) {
  return make_error(errc::invalid_config, fmt::format("{} must be {} (got {})", key, range, got));
}

std::string join_choices(const std::vector<std::string_view>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i) out += i + 1 == choices.size() ? " or " : ", ";
    out += fmt::format("\"{}\"", choices[i]);
  }
  return out;
}

}  // namespace

bool real_range::contains(double x) const {
  if (!std::isfinite(x)) return false;
  if (lo_open ? !(x > lo) : !(x >= lo)) return false;
  if (hi_open ? !(x < hi) : !(x <= hi)) return false;
  return true;
}

std::string real_range::describe() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return fmt::format("in {}{}, {}{}", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
  if (has_lo) return fmt::format("{} {}", lo_open ? ">" : ">=", lo);
  if (has_hi) return fmt::format("{} {}", hi_open ? "<" : "<=", hi);
  return "a finite number";
}

std::string int_range::describe() const {
  if (hi == std::numeric_limits<std::int64_t>::max()) return fmt::format(">= {}", lo);
  return fmt::format("in [{}, {}]", lo, hi);
}

std::string describe_node(const toml::node& node) {
  if (const auto* s = node.as_string()) return toml_string(s->get());
  std::ostringstream os;
  node.visit([&](const auto& n) { os << n; });
  std::string s = os.str();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

expected<double> read_real(const toml::node& node, std::string_view key, real_range range) {
  double x = 0.0;
  if (auto f = node.value_exact<double>()) {
    x = *f;
  } else if (auto i = node.value_exact<std::int64_t>()) {
    x = static_cast<double>(*i);
  } else {
    return type_error(key, "a number", node);
  }
  if (!range.contains(x)) return range_error(key, range.describe(), describe_node(node));
  return x;
}

expected<std::int64_t> read_int(const toml::node& node, std::string_view key, int_range range) {
  auto i = node.value_exact<std::int64_t>();
  if (!i) return type_error(key, "an integer", node);
  if (!range.contains(*i)) return range_error(key, range.describe(), describe_node(node));
  return *i;
}

expected<bool> read_bool(const toml::node& node, std::string_view key) {
  auto b = node.value_exact<bool>();
  if (!b) return type_error(key, "true or false", node);
  return *b;
}

expected<std::string> read_string(const toml::node& node, std::string_view key) {
  auto s = node.value_exact<std::string>();
  if (!s) return type_error(key, "a string", node);
  return *s;
}

expected<std::string> read_choice(const toml::node& node, std::string_view key,
                                  const std::vector<std::string_view>& choices) {
  auto s = node.value_exact<std::string>();
  if (!s) return type_error(key, fmt::format("one of {}", join_choices(choices)), node);
  for (auto c : choices)
    if (*s == c) return *s;
  return range_error(key, fmt::format("one of {}", join_choices(choices)), describe_node(node));
}

expected<std::vector<std::size_t>> read_size_list(const toml::node& node, std::string_view key,
                                                  int_range range) {
  const auto* arr = node.as_array();
  if (!arr) return type_error(key, "an array of integers", node);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string elem = fmt::format("{}[{}]", key, i);
    auto v = read_int(*arr->get(i), elem, range);
    if (!v) return unexpected(v.error());
    out.push_back(static_cast<std::size_t>(*v));
  }
  return out;
}

expected<std::vector<double>> read_real_list(const toml::node& node, std::string_view key,
                                             real_range range) {
  const auto* arr = node.as_array();
  if (!arr) return type_error(key, "an array of numbers", node);
  std::vector<double> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string elem = fmt::format("{}[{}]", key, i);
    auto v = read_real(*arr->get(i), elem, range);
    if (!v) return unexpected(v.error());
    out.push_back(*v);
  }
  return out;
}

expected<std::vector<std::vector<double>>> read_real_matrix(const toml::node& node,
                                                            std::string_view key) {
  const auto* arr = node.as_array();
  if (!arr) return type_error(key, "an array of arrays of numbers", node);
  std::vector<std::vector<double>> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto row = read_real_list(*arr->get(i), fmt::format("{}[{}]", key, i), k_any_real);
    if (!row) return unexpected(row.error());
    out.push_back(std::move(*row));
  }
  return out;
}

expected<std::map<std::uint32_t, double>> read_index_map(const toml::node& node,
                                                         std::string_view key, real_range range) {
  const auto* table = node.as_table();
  if (!table) return type_error(key, "a table of index = number (e.g. { \"1\" = 3.0 })", node);
  std::map<std::uint32_t, double> out;
  for (const auto& [name, value] : *table) {
    const std::string_view text = name.str();
    std::uint32_t index = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
      return make_error(errc::invalid_config,
                        fmt::format("{}: \"{}\" is not an index (a non-negative integer such as "
                                    "\"1\")",
                                    key, text));
    auto v = read_real(value, fmt::format("{}.\"{}\"", key, text), range);
    if (!v) return unexpected(v.error());
    out[index] = *v;
  }
  return out;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string toml_real(double x) {
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a TOML float
  return s;
}

std::string toml_size_list(const std::vector<std::size_t>& v) {
  return fmt::format("[{}]", fmt::join(v, ", "));
}

std::string toml_real_list(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_real(v[i]);
  return out + "]";
}

std::string toml_index_map(const std::map<std::uint32_t, double>& m) {
  std::string out = "{";
  for (auto it = m.begin(); it != m.end(); ++it)
    out +=
        fmt::format("{} \"{}\" = {}", it == m.begin() ? "" : ",", it->first, toml_real(it->second));
  return out + (m.empty() ? "}" : " }");
}

std::string toml_real_matrix(const std::vector<std::vector<double>>& m) {
  std::string out = "[";
  for (std::size_t i = 0; i < m.size(); ++i) out += (i ? ", " : "") + toml_real_list(m[i]);
  return out + "]";
}

}  // namespace sgmc::tools::detail
