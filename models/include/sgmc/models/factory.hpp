#pragma once
// Building data sets and models from plain parameter structs. The tools layer fills these
// structs from the `[data]` and `[model]` sections of the config; every field has the default
// documented in docs/config.md. Errors name the offending key or file.

#include "sgmc/core/error.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/kinds.hpp"
#include "sgmc/models/model.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::models {

/// `[data]` (the kinds and their names: kinds.hpp)
struct data_params {
  data_format format = data_format::idx;
  // idx (MNIST family, gzip or plain)
  std::string train_images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  std::string train_labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
  std::string test_images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::string test_labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  // csv / libsvm: one file each; test may be empty
  std::string train;
  std::string test;
  bool header = false;       ///< csv: skip the first line
  int target_column = -1;    ///< csv: which column is the target (-1 = last)
  std::size_t features = 0;  ///< libsvm: feature count (0 = largest index seen)
  std::size_t classes = 0;   ///< 0 = regression; >= 2 classification (csv/libsvm/synthetic)
  /// auto: scale for idx, zscore otherwise
  standardize_mode standardize = standardize_mode::automatic;
  std::size_t train_limit = 0;  ///< use only the first rows (0 = all)
  std::size_t test_limit = 0;
  // synthetic
  synthetic_generator generator = synthetic_generator::linreg;
  std::size_t train_size = 1000;
  std::size_t test_size = 200;
  std::size_t synthetic_features = 5;
  double noise_std = 0.5;  ///< linreg: std of y given x
  std::uint64_t seed = 0;  ///< 0: use the run's seed
};

/// `[model]`
struct model_params {
  model_kind kind = model_kind::mlp;
  std::vector<std::size_t> layers = {784, 100, 10};          ///< mlp: widths, input to output
  models::activation activation = models::activation::relu;  ///< mlp
  double prior_precision = 1.0;  ///< Gaussian prior N(0, 1/prior_precision) on every weight
  double noise_precision = 4.0;  ///< linreg: precision of y given x (1/σ²)
  // gaussian target N(mean, Σ): give `covariance` (dense) or `variance` (diagonal)
  std::vector<double> mean;
  std::vector<std::vector<double>> covariance;
  std::vector<double> variance;
  double grad_noise = 0.0;  ///< std of synthetic Gaussian noise added to every gradient
  // mixture target Σ_k w_k N(means[k], diag(variances[k])); empty variances: all 1; a row of
  // one entry: isotropic
  std::vector<double> weights;
  std::vector<std::vector<double>> means;
  std::vector<std::vector<double>> variances;
  int init_component = -1;  ///< mixture: chains start in this component (-1: a mixture draw)
};

/// Loads (or generates) train and test sets; errors name the file and what is wrong with it.
/// Steps (pieces in loaders.hpp): read `format` (idx: classes = data.classes or largest label
/// + 1; csv/libsvm with data.classes >= 2: labels mapped to 0..K−1 by map_labels; synthetic:
/// data.seed, or run_seed when 0) → keep the first train_limit / test_limit rows → check that
/// the test set has the training set's features → standardize (statistics from the kept
/// training rows). No test set: test.size() == 0 (with the training set's feature count).
expected<data_split> load_data(const data_params& params, std::uint64_t run_seed);

/// Builds a model over `data` (ignored by `gaussian`); checks that shapes agree
/// (e.g. mlp layers[0] == features, last layer == classes). Copies the training set into the
/// model (not for `gaussian`); use the overload below to share it instead.
/// Errors: errc::invalid_config (unknown kind, bad value) or errc::dimension_mismatch, with a
/// one-line message naming the key, e.g. "model.layers: first layer is 784 but the data has
/// 780 features".
expected<std::unique_ptr<model>> make_model(const model_params& params, const data_split& data);

/// As above, sharing the (immutable) training set between models, e.g. one per worker.
expected<std::unique_ptr<model>> make_model(const model_params& params,
                                            std::shared_ptr<const dataset> train);

/// Tunes Eigen for these machines; call once at start-up, before making workspaces:
///  - Eigen::setCpuCacheSizes from sysconf, with L3 capped at 32 MiB (inside these VMs the CPU
///    reports the host's 480 MiB L3);
///  - glibc's malloc keeps freed blocks up to 32 MiB instead of returning them to the OS after
///    every free (M_MMAP_THRESHOLD / M_TRIM_THRESHOLD). Eigen's operator* heap-allocates its
///    GEMM packing blocks once they exceed 128 KiB, and without this every such product paid
///    fresh page faults: that, not the cache sizes, made the first MLP layer's product
///    (100x784 · 784x100) 2x slower (measured numbers in src/configure_eigen.cpp).
/// The models' own GEMMs use preallocated buffers and do not depend on the malloc part.
void configure_eigen();

}  // namespace sgmc::models
