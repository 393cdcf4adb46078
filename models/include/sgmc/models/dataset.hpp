#pragma once
// A data set in memory: one example per row of a row-major float matrix, so that a minibatch
// is a gather of contiguous rows.

#include <Eigen/Core>

#include <cstddef>
#include <string>

namespace sgmc::models {

using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Features x [n, features] and targets y [n]: class labels 0..classes-1 stored as floats for
/// classification (classes >= 2), real values for regression (classes == 0).
struct dataset {
  row_matrix x;
  Eigen::VectorXf y;
  std::size_t classes = 0;
  std::string source;  ///< where it came from, for messages ("train: /path/file.gz")

  std::size_t size() const { return static_cast<std::size_t>(x.rows()); }
  std::size_t features() const { return static_cast<std::size_t>(x.cols()); }
};

/// A train set and an optional test set (test.size() == 0 when there is none).
struct data_split {
  dataset train;
  dataset test;
};

}  // namespace sgmc::models
