#include "sgmc/models/loaders.hpp"

#include "huge_pages.hpp"
#include "memory_bound.hpp"
#include "text.hpp"
#include "text_file.hpp"

#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <vector>

namespace sgmc::models {
namespace {

// The UTF-8 byte-order mark that some spreadsheet programs put at the start of a CSV file.
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// Splits one CSV line into numbers; an error names the file, the line and the column.
expected<void> parse_csv_line(std::string_view line, const std::string& path, std::size_t number,
                              std::vector<double>& fields) {
  fields.clear();
  std::size_t column = 0;
  for (;;) {
    const auto comma = line.find(',');
    const auto field = line.substr(0, comma);
    const auto v = detail::parse_number(field);
    if (!v)
      return make_error(errc::invalid_data,
                        fmt::format("{}:{}: column {} is not a finite number: '{}'", path, number,
                                    column + 1, detail::trim(field)));
    fields.push_back(*v);
    ++column;
    if (comma == std::string_view::npos) return {};
    line.remove_prefix(comma + 1);
  }
}

// The parsed values (rows x columns, row by row) as features and target column `target`.
dataset split_columns(const std::vector<double>& values, std::size_t rows, std::size_t columns,
                      long target) {
  dataset out;
  out.x.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(columns - 1));
  detail::advise_huge_pages(out.x.data(), static_cast<std::size_t>(out.x.size()) * sizeof(float));
  out.y.resize(static_cast<Eigen::Index>(rows));
  for (std::size_t r = 0; r < rows; ++r) {
    Eigen::Index f = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      const auto v = static_cast<float>(values[r * columns + c]);
      if (static_cast<long>(c) == target)
        out.y[static_cast<Eigen::Index>(r)] = v;
      else
        out.x(static_cast<Eigen::Index>(r), f++) = v;
    }
  }
  return out;
}

}  // namespace

expected<dataset> read_csv(const std::string& path, bool header, int target_column) {
  auto text = detail::read_text_file(path);
  if (!text) return unexpected(text.error());
  std::string_view body = *text;
  if (body.starts_with(k_utf8_bom)) body.remove_prefix(k_utf8_bom.size());  // spreadsheets
  std::vector<double> values, fields;
  const double max_values_bytes = static_cast<double>(detail::physical_memory()) / 2;
  std::size_t columns = 0, rows = 0;
  std::optional<error> failure;
  detail::for_each_line(body, [&](std::string_view line, std::size_t number) {
    if ((header && number == 1) || detail::trim(line).empty()) return true;
    if (auto ok = parse_csv_line(line, path, number, fields); !ok) {
      failure = ok.error();
      return false;
    }
    if (columns == 0) columns = fields.size();
    if (fields.size() != columns) {
      failure =
          error{errc::invalid_data, fmt::format("{}:{}: {} columns where earlier lines have {}",
                                                path, number, fields.size(), columns)};
      return false;
    }
    // 8 bytes a parsed value, besides the text: "1,2,3" is 1.6 bytes a value in the file.
    if (8 * static_cast<double>(values.size() + fields.size()) > max_values_bytes) {
      failure = error{errc::invalid_data,
                      fmt::format("{}:{}: the values so far would need more than {}, half the "
                                  "memory of this host",
                                  path, number, detail::format_bytes(max_values_bytes))};
      return false;
    }
    values.insert(values.end(), fields.begin(), fields.end());
    ++rows;
    return true;
  });
  if (failure) return unexpected(*failure);
  if (rows == 0) return make_error(errc::invalid_data, fmt::format("{}: no data rows", path));
  if (columns < 2)
    return make_error(errc::invalid_data,
                      fmt::format("{}: needs at least 2 columns (features and a target)", path));
  const long target =
      target_column < 0 ? static_cast<long>(columns) + target_column : target_column;
  if (target < 0 || target >= static_cast<long>(columns))
    return make_error(
        errc::invalid_config,
        fmt::format("data.target_column: {} but {} has {} columns", target_column, path, columns));
  dataset out = split_columns(values, rows, columns, target);
  out.source = path;
  return out;
}

}  // namespace sgmc::models
