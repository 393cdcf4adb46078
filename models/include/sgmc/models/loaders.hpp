#pragma once
// The pieces load_data (factory.hpp) is made of, public so that tools and tests can use them
// one by one. Every reader opens gzip or plain files alike (zlib recognises the gzip magic
// 1f 8b and reads other files as they are). Errors name the file (and line for text formats):
//   errc::io            the file cannot be opened
//   errc::invalid_data  malformed, truncated or corrupt content; labels out of range
//   errc::dimension_mismatch  label count != image count; test features != train features

#include "sgmc/core/error.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/factory.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <string>

namespace sgmc::models {

/// IDX (MNIST family) images [n, d1, ..., dk] of unsigned bytes and labels [n] of unsigned
/// bytes: x [n, d1·…·dk] with the raw byte values 0..255 as floats, y the labels.
/// classes == 0: classes = max(2, largest label + 1); otherwise every label must be < classes.
/// divisor: x holds byte / divisor (load_data passes 255 for data.standardize = scale, which
/// so costs no pass of its own; the result is bit for bit that of dividing afterwards).
/// The two files are read (and inflated) in parallel.
expected<dataset> read_idx(const std::string& images, const std::string& labels,
                           std::size_t classes = 0, float divisor = 1.0f);

/// Numeric CSV with an optional header line; the target is column `target_column` (−1: last),
/// the features are all other columns in order. Targets are stored raw (classes = 0): call
/// map_labels for classification. Blank lines are skipped, "\r\n" line ends accepted.
expected<dataset> read_csv(const std::string& path, bool header = false, int target_column = -1);

/// LIBSVM text: `label idx:value idx:value ...` with 1-based indices, anything after '#' a
/// comment; absent features are 0. features == 0: the largest index in the file; otherwise an
/// index > features is an error. Targets are stored raw (classes = 0): see map_labels.
expected<dataset> read_libsvm(const std::string& path, std::size_t features = 0);

/// Maps raw integer targets of train and test (jointly) to class indices 0..classes−1:
///   all labels in 0..K−1 → kept;  else all in 1..K → minus 1;  else K = 2 and all in {−1, +1}
///   → −1 ↦ 0, +1 ↦ 1;  else an error naming the first offending file and row.
/// Non-integer targets are an error. Sets classes on both sets.
expected<void> map_labels(dataset& train, dataset& test, std::size_t classes);

/// Synthetic data from data.generator, deterministic in `seed` (Philox streams, see .cpp):
///   linreg:  x ~ N(0, I), y = xᵀw* + noise_std·ε,  w* ~ N(0, I)              (classes = 0)
///   logreg:  x ~ N(0, I), y ~ Bernoulli(σ(xᵀw* + b*)), w*, b* ~ N(0, 1)      (classes = 2)
///   softmax: x ~ N(0, I), y ~ Categorical(softmax(W*ᵀx + b*)), W*, b* ~ N(0, 1)
///            (classes = data.classes, or 3 when 0)
/// Train and test come from the same w*.
expected<data_split> make_synthetic(const data_params& params, std::uint64_t seed);

/// Per-feature mean and standard deviation of a training set.
struct zscore_stats {
  Eigen::VectorXf mean;
  Eigen::VectorXf std;  ///< features with zero spread get 1 (they are only centred)
};
zscore_stats fit_zscore(const dataset& train);
/// x ← (x − mean) / std, row by row.
void apply_zscore(const zscore_stats& stats, dataset& data);

/// Applies data.standardize to both sets: none | scale (x / 255, for byte images: [0, 1]) |
/// zscore (statistics of the train set applied to both) | auto (scale for idx, zscore
/// otherwise).
expected<void> standardize(data_split& data, standardize_mode how, data_format format);

}  // namespace sgmc::models
