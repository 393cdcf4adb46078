#include "sgmc/models/loaders.hpp"

#include "huge_pages.hpp"
#include "memory_bound.hpp"
#include "text.hpp"
#include "text_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace sgmc::models {
namespace {

struct entry {
  std::size_t row;
  std::size_t column;  // 0-based
  float value;
};

// Next whitespace-separated token of `line`, or an empty view at the end.
std::string_view next_token(std::string_view& line) {
  line = detail::trim(line);
  std::size_t end = 0;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  const auto token = line.substr(0, end);
  line.remove_prefix(end);
  return token;
}

// One `label idx:value ...` line into `label` and `entries`; errors name file and line.
expected<void> parse_line(std::string_view line, std::size_t row, std::size_t max_features,
                          float& label, std::vector<entry>& entries) {
  const auto lab = detail::parse_number(next_token(line));
  if (!lab) return make_error(errc::invalid_data, "the label is not a number");
  label = static_cast<float>(*lab);
  for (auto token = next_token(line); !token.empty(); token = next_token(line)) {
    const auto colon = token.find(':');
    std::size_t index = 0;
    const auto idx = token.substr(0, colon);
    const auto [end, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), index);
    const auto value = colon == std::string_view::npos
                           ? std::nullopt
                           : detail::parse_number(token.substr(colon + 1));
    if (ec != std::errc() || end != idx.data() + idx.size() || !value)
      return make_error(errc::invalid_data, fmt::format("'{}' is not index:value", token));
    if (index == 0)
      return make_error(errc::invalid_data, "feature index 0 (LIBSVM indices start at 1)");
    if (max_features != 0 && index > max_features)
      return make_error(errc::invalid_data, fmt::format("feature index {} exceeds data.features "
                                                        "= {}",
                                                        index, max_features));
    entries.push_back({row, index - 1, static_cast<float>(*value)});
  }
  return {};
}

}  // namespace

expected<dataset> read_libsvm(const std::string& path, std::size_t features) {
  auto text = detail::read_text_file(path);
  if (!text) return unexpected(text.error());
  std::vector<entry> entries;
  std::vector<float> labels;
  std::optional<error> failure;
  detail::for_each_line(*text, [&](std::string_view line, std::size_t number) {
    line = detail::trim(line.substr(0, line.find('#')));
    if (line.empty()) return true;
    float label = 0;
    if (auto ok = parse_line(line, labels.size(), features, label, entries); !ok) {
      failure = error{ok.error().code, fmt::format("{}:{}: {}", path, number, ok.error().message)};
      return false;
    }
    labels.push_back(label);
    return true;
  });
  if (failure) return unexpected(*failure);
  if (labels.empty()) return make_error(errc::invalid_data, fmt::format("{}: no data rows", path));
  std::size_t cols = features;
  for (const auto& e : entries) cols = std::max(cols, e.column + 1);
  // A dense matrix: one stray large index costs rows × index × 4 bytes.
  const double bytes = static_cast<double>(labels.size()) * static_cast<double>(cols) * 4;
  const std::string what =
      cols == features && features != 0
          ? fmt::format("data.features = {} for the {} rows of {}", features, labels.size(), path)
          : fmt::format("{}: {} rows x {} features (the largest feature index)", path,
                        labels.size(), cols);
  if (auto ok = detail::check_memory(bytes, what, errc::invalid_data); !ok)
    return unexpected(ok.error());
  dataset out;
  out.x.resize(static_cast<Eigen::Index>(labels.size()), static_cast<Eigen::Index>(cols));
  detail::advise_huge_pages(out.x.data(), static_cast<std::size_t>(out.x.size()) * sizeof(float));
  out.x.setZero();
  for (const auto& e : entries)
    out.x(static_cast<Eigen::Index>(e.row), static_cast<Eigen::Index>(e.column)) = e.value;
  out.y =
      Eigen::Map<const Eigen::VectorXf>(labels.data(), static_cast<Eigen::Index>(labels.size()));
  out.source = path;
  return out;
}

}  // namespace sgmc::models
