#include "sgmc/models/factory.hpp"
#include "sgmc/models/loaders.hpp"

#include "huge_pages.hpp"
#include "memory_bound.hpp"

#include <fmt/format.h>
#include <tbb/parallel_invoke.h>

#include <optional>

namespace sgmc::models {
namespace {

// data.standardize = scale (or auto, which is scale for idx) is fused into the conversion.
bool idx_scaled(const data_params& p) {
  return p.format == data_format::idx &&
         (p.standardize == standardize_mode::scale || p.standardize == standardize_mode::automatic);
}

// What read_idx says of a label out of range, for the test set read before the training set's
// classes were known.
expected<void> check_test_labels(const dataset& test, const std::string& path,
                                 std::size_t classes) {
  for (Eigen::Index i = 0; i < test.y.size(); ++i)
    if (test.y[i] >= static_cast<float>(classes))
      return make_error(errc::invalid_data,
                        fmt::format("{}: label {} at index {} is not below data.classes = {}", path,
                                    test.y[i], i, classes));
  return {};
}

// The training and the test files are read in parallel (four files, each inflated on its own).
expected<data_split> read_idx_split(const data_params& p) {
  if (p.test_images.empty() != p.test_labels.empty())
    return make_error(errc::invalid_config,
                      "data.test_images / data.test_labels: give both or neither");
  const float divisor = idx_scaled(p) ? 255.0f : 1.0f;
  std::optional<expected<dataset>> train, test;
  tbb::parallel_invoke(
      [&] { train = read_idx(p.train_images, p.train_labels, p.classes, divisor); },
      [&] {
        if (!p.test_images.empty())
          test = read_idx(p.test_images, p.test_labels, p.classes, divisor);
      });
  if (!*train) return unexpected(train->error());
  data_split out;
  out.train = std::move(**train);
  if (test) {
    if (!*test) return unexpected(test->error());
    out.test = std::move(**test);
    // The test set's labels are checked against the training set's classes.
    if (auto ok = check_test_labels(out.test, p.test_labels, out.train.classes); !ok)
      return unexpected(ok.error());
  } else {
    out.test.x.resize(0, out.train.x.cols());
  }
  out.test.classes = out.train.classes;
  return out;
}

// Pads the narrower set with zero columns (LIBSVM files need not mention the last feature).
expected<void> pad_features(dataset& d, Eigen::Index cols) {
  if (d.x.cols() >= cols) return {};
  if (auto ok = detail::check_memory(
          4 * static_cast<double>(d.x.rows()) * static_cast<double>(cols),
          fmt::format("{}: {} rows padded to {} features", d.source, d.x.rows(), cols),
          errc::invalid_data);
      !ok)
    return ok;
  const Eigen::Index old = d.x.cols();
  d.x.conservativeResize(Eigen::NoChange, cols);
  d.x.rightCols(cols - old).setZero();
  return {};
}

expected<data_split> read_text_split(const data_params& p) {
  if (p.train.empty())
    return make_error(errc::invalid_config,
                      fmt::format("data.train: no file given for format {}", to_string(p.format)));
  const auto read = [&](const std::string& path) {
    return p.format == data_format::csv ? read_csv(path, p.header, p.target_column)
                                        : read_libsvm(path, p.features);
  };
  auto train = read(p.train);
  if (!train) return unexpected(train.error());
  data_split out;
  out.train = std::move(*train);
  if (!p.test.empty()) {
    auto test = read(p.test);
    if (!test) return unexpected(test.error());
    out.test = std::move(*test);
  } else {
    out.test.x.resize(0, out.train.x.cols());
  }
  if (p.format == data_format::libsvm) {
    const Eigen::Index cols = std::max(out.train.x.cols(), out.test.x.cols());
    for (dataset* d : {&out.train, &out.test})
      if (auto ok = pad_features(*d, cols); !ok) return unexpected(ok.error());
  }
  if (p.classes != 0)
    if (auto ok = map_labels(out.train, out.test, p.classes); !ok) return unexpected(ok.error());
  return out;
}

expected<data_split> read_split(const data_params& p, std::uint64_t run_seed) {
  switch (p.format) {
    case data_format::idx:
      return read_idx_split(p);
    case data_format::csv:
    case data_format::libsvm:
      return read_text_split(p);
    case data_format::synthetic:
      return make_synthetic(p, p.seed != 0 ? p.seed : run_seed);
  }
  return make_error(errc::invalid_config, "data.format: not a known format");
}

void limit_rows(dataset& d, std::size_t limit) {
  if (limit == 0 || limit >= d.size()) return;
  const auto rows = static_cast<Eigen::Index>(limit);
  row_matrix x(rows, d.x.cols());
  detail::advise_huge_pages(x.data(), static_cast<std::size_t>(x.size()) * sizeof(float));
  x = d.x.topRows(rows);
  d.x = std::move(x);
  d.y.conservativeResize(rows);
}

}  // namespace

expected<data_split> load_data(const data_params& params, std::uint64_t run_seed) {
  auto data = read_split(params, run_seed);
  if (!data) return data;
  limit_rows(data->train, params.train_limit);
  limit_rows(data->test, params.test_limit);
  if (data->train.size() == 0 || data->train.features() == 0)
    return make_error(
        errc::invalid_data,
        fmt::format("{}: the training set has no rows or no features", data->train.source));
  if (data->test.size() != 0 && data->test.features() != data->train.features())
    return make_error(
        errc::dimension_mismatch,
        fmt::format("{} has {} features but the training set {} has {}", data->test.source,
                    data->test.features(), data->train.source, data->train.features()));
  // idx with scale: done on reading.
  const standardize_mode how = idx_scaled(params) ? standardize_mode::none : params.standardize;
  if (auto ok = standardize(*data, how, params.format); !ok) return unexpected(ok.error());
  return data;
}

}  // namespace sgmc::models
