#pragma once
// Small helpers for the line-oriented text formats (CSV, LIBSVM).

#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>

namespace sgmc::models::detail {

inline std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// The whole of `s` as a finite number, or nothing (a leading '+' is allowed).
inline std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// Calls fn(line, line_number) for each line of `text` (1-based numbers, without the '\n').
/// Stops early and returns false when fn returns false.
template <class Fn>
bool for_each_line(std::string_view text, Fn&& fn) {
  std::size_t number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    ++number;
    if (!fn(line, number)) return false;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return true;
}

}  // namespace sgmc::models::detail
