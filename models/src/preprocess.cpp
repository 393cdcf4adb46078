// Label mapping and standardisation, applied by load_data after reading.
#include "sgmc/models/loaders.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgmc::models {
namespace {

enum class label_map { identity, minus_one, plus_minus_one };

bool all_in(const dataset& d, float lo, float hi) {
  return d.y.size() == 0 || (d.y.minCoeff() >= lo && d.y.maxCoeff() <= hi);
}

bool fits(const dataset& a, const dataset& b, float lo, float hi) {
  return all_in(a, lo, hi) && all_in(b, lo, hi);
}

bool plus_minus_one(const dataset& d) {
  return (d.y.array() == -1.0f || d.y.array() == 1.0f).all();
}

expected<void> check_integral(const dataset& d) {
  for (Eigen::Index i = 0; i < d.y.size(); ++i)
    if (d.y[i] != std::round(d.y[i]))
      return make_error(errc::invalid_data, fmt::format("{}: row {}: label {} is not an integer",
                                                        d.source, i + 1, d.y[i]));
  return {};
}

expected<void> describe_bad_labels(const dataset& d, std::size_t classes) {
  const float k = static_cast<float>(classes);
  for (Eigen::Index i = 0; i < d.y.size(); ++i)
    if (d.y[i] < 0 || d.y[i] > k)
      return make_error(errc::invalid_data,
                        fmt::format("{}: row {}: label {} is outside 0..{} and 1..{} (data.classes "
                                    "= {})",
                                    d.source, i + 1, d.y[i], classes - 1, classes, classes));
  return make_error(errc::invalid_data, fmt::format("{}: labels mix 0 and {} (data.classes = {})",
                                                    d.source, classes, classes));
}

}  // namespace

expected<void> map_labels(dataset& train, dataset& test, std::size_t classes) {
  if (classes < 2)
    return make_error(errc::invalid_config,
                      fmt::format("data.classes: {} (classification needs >= 2)", classes));
  for (const dataset* d : {&train, &test})
    if (auto ok = check_integral(*d); !ok) return ok;
  const float k = static_cast<float>(classes);
  label_map map;
  if (fits(train, test, 0, k - 1))
    map = label_map::identity;
  else if (fits(train, test, 1, k))
    map = label_map::minus_one;
  else if (classes == 2 && plus_minus_one(train) && plus_minus_one(test))
    map = label_map::plus_minus_one;
  else
    return describe_bad_labels(all_in(train, 0, k - 1) || all_in(train, 1, k) ? test : train,
                               classes);
  for (dataset* d : {&train, &test}) {
    if (map == label_map::minus_one) d->y.array() -= 1.0f;
    if (map == label_map::plus_minus_one) d->y = (d->y.array() > 0).cast<float>();
    d->classes = classes;
  }
  return {};
}

zscore_stats fit_zscore(const dataset& train) {
  const Eigen::MatrixXd x = train.x.cast<double>();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::RowVectorXd var =
      (x.rowwise() - mean).array().square().colwise().sum() / std::max<double>(1, x.rows());
  zscore_stats s;
  s.mean = mean.transpose().cast<float>();
  s.std =
      var.transpose().cwiseSqrt().unaryExpr([](double v) { return v > 0 ? v : 1.0; }).cast<float>();
  return s;
}

void apply_zscore(const zscore_stats& stats, dataset& data) {
  if (data.size() == 0) return;
  const Eigen::RowVectorXf inv = stats.std.cwiseInverse().transpose();
  data.x = (data.x.rowwise() - stats.mean.transpose()).array().rowwise() * inv.array();
}

expected<void> standardize(data_split& data, standardize_mode how, data_format format) {
  if (how == standardize_mode::automatic)
    how = format == data_format::idx ? standardize_mode::scale : standardize_mode::zscore;
  switch (how) {
    case standardize_mode::automatic:
    case standardize_mode::none:
      return {};
    case standardize_mode::scale:
      data.train.x /= 255.0f;
      data.test.x /= 255.0f;
      return {};
    case standardize_mode::zscore: {
      const auto stats = fit_zscore(data.train);
      apply_zscore(stats, data.train);
      apply_zscore(stats, data.test);
      return {};
    }
  }
  return make_error(errc::invalid_config, "data.standardize: not a known mode");
}

}  // namespace sgmc::models
