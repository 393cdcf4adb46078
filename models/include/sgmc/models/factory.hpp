#pragma once
// Building data sets and models from plain parameter structs. The tools layer fills these
// structs from the `[data]` and `[model]` sections of the config; every field has the default
// documented in docs/config.md. Errors name the offending key or file.

#include "sgmc/core/error.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/model.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::models {

/// `[data]`
struct data_params {
  std::string format = "idx";  ///< idx | csv | libsvm | synthetic
  // idx (MNIST family, gzip or plain)
  std::string train_images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  std::string train_labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
  std::string test_images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::string test_labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  // csv / libsvm: one file each; test may be empty
  std::string train;
  std::string test;
  bool header = false;        ///< csv: skip the first line
  int target_column = -1;     ///< csv: which column is the target (-1 = last)
  std::size_t features = 0;   ///< libsvm: feature count (0 = largest index seen)
  std::size_t classes = 0;    ///< 0 = regression; >= 2 classification (csv/libsvm/synthetic)
  std::string standardize = "auto";  ///< auto | none | scale | zscore (auto: scale for idx, zscore otherwise)
  std::size_t train_limit = 0;       ///< use only the first rows (0 = all)
  std::size_t test_limit = 0;
  // synthetic
  std::string generator = "linreg";  ///< linreg | logreg | softmax
  std::size_t train_size = 1000;
  std::size_t test_size = 200;
  std::size_t synthetic_features = 5;
  double noise_std = 0.5;            ///< linreg: std of y given x
  std::uint64_t seed = 0;            ///< 0: use the run's seed
};

/// `[model]`
struct model_params {
  std::string kind = "mlp";  ///< gaussian | linreg | logreg | softmax | mlp
  std::vector<std::size_t> layers = {784, 100, 10};  ///< mlp: widths, input to output
  std::string activation = "relu";                   ///< mlp: relu | tanh
  double prior_precision = 1.0;  ///< Gaussian prior N(0, 1/prior_precision) on every weight
  double noise_precision = 4.0;  ///< linreg: precision of y given x (1/σ²)
  // gaussian target N(mean, Σ): give `covariance` (dense) or `variance` (diagonal)
  std::vector<double> mean;
  std::vector<std::vector<double>> covariance;
  std::vector<double> variance;
  double grad_noise = 0.0;  ///< std of synthetic Gaussian noise added to every gradient
};

/// Loads (or generates) train and test sets; errors name the file and what is wrong with it.
expected<data_split> load_data(const data_params& params, std::uint64_t run_seed);

/// Builds a model over `data` (ignored by `gaussian`); checks that shapes agree
/// (e.g. mlp layers[0] == features, last layer == classes).
expected<std::unique_ptr<model>> make_model(const model_params& params, const data_split& data);

/// Sets Eigen's cache sizes from what the OS reports (Eigen's own detection reads the host's
/// L3 inside these VMs and blocks GEMMs badly). Call once at start-up.
void configure_eigen();

}  // namespace sgmc::models
