#pragma once
// Sample moments of chains and the exact stationary covariance of linear schemes, for the
// statistical tests.

#include "sgmc/samplers/chain.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace sgmc::test {

/// Running mean and covariance (full, or only the diagonal for large dims), accumulated in
/// double around a reference point (the exact mean) so that sums do not cancel.
class moments {
 public:
  moments(const Eigen::VectorXd& center, bool full)
      : center_(center),
        full_(full),
        sum_(Eigen::VectorXd::Zero(center.size())),
        sq_(full ? Eigen::MatrixXd::Zero(center.size(), center.size())
                 : Eigen::MatrixXd::Zero(center.size(), 1)) {}

  void add(std::span<const float> theta) {
    const auto d = static_cast<Eigen::Index>(theta.size());
    for (Eigen::Index i = 0; i < d; ++i) dev_(i) = double(theta[i]) - center_(i);
    sum_ += dev_;
    if (full_)
      sq_.noalias() += dev_ * dev_.transpose();
    else
      sq_.col(0) += dev_.cwiseProduct(dev_);
    ++n_;
  }
  std::int64_t count() const { return n_; }
  Eigen::VectorXd mean() const { return center_ + sum_ / double(n_); }
  /// Full covariance (full mode only).
  Eigen::MatrixXd covariance() const {
    const Eigen::VectorXd m = sum_ / double(n_);
    return sq_ / double(n_) - m * m.transpose();
  }
  Eigen::VectorXd variance() const {
    const Eigen::VectorXd m = sum_ / double(n_);
    const Eigen::VectorXd s = full_ ? Eigen::VectorXd(sq_.diagonal()) : Eigen::VectorXd(sq_.col(0));
    return s / double(n_) - m.cwiseProduct(m);
  }

 private:
  Eigen::VectorXd center_;
  bool full_;
  Eigen::VectorXd sum_;
  Eigen::MatrixXd sq_;
  Eigen::VectorXd dev_ = Eigen::VectorXd::Zero(center_.size());
  std::int64_t n_ = 0;
};

/// S with S = A S Aᵀ + Q: the stationary covariance of x' = A x + ξ, ξ ~ N(0, Q), from
/// (I − A ⊗ A) vec(S) = vec(Q).
inline Eigen::MatrixXd stationary_covariance(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Q) {
  const Eigen::Index n = A.rows();
  Eigen::MatrixXd K = Eigen::MatrixXd::Identity(n * n, n * n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) K.block(i * n, j * n, n, n) -= A(i, j) * A;
  const Eigen::VectorXd q = Eigen::Map<const Eigen::VectorXd>(Q.data(), n * n);
  const Eigen::VectorXd s = K.fullPivLu().solve(q);
  return Eigen::Map<const Eigen::MatrixXd>(s.data(), n, n);
}

}  // namespace sgmc::test
