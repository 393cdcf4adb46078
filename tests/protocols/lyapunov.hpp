#pragma once
// The exact stationary law of each protocol on a Gaussian target, derived from the rules in
// docs/protocols.md and the protocols' header comments (not from their code).
//
// On U(θ) = (P/2)|θ − μ|² with exact or additively noisy gradients every coordinate of every
// protocol state is an independent copy of one scalar linear recursion, and with a
// deterministic schedule one period of events composes to x ← A x + w, w ~ N(0, Q), in the
// deviations x from μ of the stacked state (the master's θ, each worker's held copy, local
// chain, accumulated Δ, centre). Its stationary covariance solves S = A S Aᵀ + Q
// (stationary_covariance). Each builder below writes the events of one period in the order
// the schedule named in its comment delivers them, with the SGLD kernel
//   θ ← θ − (ε/2) g + √(εT) ξ,   g = P(θ_held − μ) + s η   (s: the gradient noise, sd per
//                                                             gradient; ξ, η ~ N(0, 1)),
// so one gradient step on a variable adds εT + (ε/2)² s² (or /W when W gradients are averaged)
// to its noise.
#include "../samplers/moments.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace sgmc::test {

/// A linear stochastic scheme on n scalar variables, composed event by event.
class linear_scheme {
 public:
  explicit linear_scheme(Eigen::Index n)
      : A_(Eigen::MatrixXd::Identity(n, n)), Q_(Eigen::MatrixXd::Zero(n, n)) {}

  /// x ← M x + w with Cov w = W (independent of everything before).
  void apply(const Eigen::MatrixXd& M, const Eigen::MatrixXd& W) {
    A_ = M * A_;
    Q_ = M * Q_ * M.transpose() + W;
  }
  /// x_to ← Σ c x_from (the right side read before the assignment) + a fresh noise of
  /// variance `noise_var`.
  void assign(Eigen::Index to, const std::vector<std::pair<Eigen::Index, double>>& terms,
              double noise_var = 0.0) {
    const Eigen::Index n = A_.rows();
    Eigen::MatrixXd M = Eigen::MatrixXd::Identity(n, n);
    M.row(to).setZero();
    for (const auto& [from, c] : terms) M(to, from) += c;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
    b(to) = 1.0;
    apply(M, noise_var * b * b.transpose());
  }
  /// x_to ← x_from.
  void copy(Eigen::Index to, Eigen::Index from) { assign(to, {{from, 1.0}}); }

  const Eigen::MatrixXd& A() const { return A_; }
  const Eigen::MatrixXd& Q() const { return Q_; }
  Eigen::MatrixXd stationary() const { return stationary_covariance(A_, Q_); }
  /// The largest |eigenvalue| of A: correlations decay by this per period.
  double spectral_radius() const { return A_.eigenvalues().cwiseAbs().maxCoeff(); }

 private:
  Eigen::MatrixXd A_, Q_;
};

/// The target and the kernel: U = (P/2)(θ − μ)², SGLD with step ε at temperature T, gradient
/// noise of variance s2 per gradient.
struct scalar_target {
  double P = 0.5, eps = 0.1, T = 1.0, s2 = 0.0;
  double drift() const { return 0.5 * eps * P; }  // (ε/2) P
  double noise(double grads = 1.0) const {        // εT + (ε/2)² s² / grads
    return eps * T + 0.25 * eps * eps * s2 / grads;
  }
  double posterior_variance() const { return T / P; }
};

/// sync, W workers: every version averages W gradients at θ_v, one kernel step. Variables:
/// 0 = θ. Period: one version.
inline linear_scheme sync_scheme(const scalar_target& t, int workers) {
  linear_scheme s(1);
  s.assign(0, {{0, 1.0 - t.drift()}}, t.noise(workers));
  return s;
}

/// async, W workers, each push answered at once and the workers computing in turn 0, 1, ...,
/// W − 1 (the FIFO order): worker i pushes ∇Û at the θ it holds, the master steps, and answers
/// worker i with the new θ. Variables: 0 = θ, 1 + i = the θ worker i holds. Period: W versions
/// (one round), phase: after worker W − 1's push.
inline linear_scheme async_scheme(const scalar_target& t, int workers) {
  linear_scheme s(1 + workers);
  for (int i = 0; i < workers; ++i) {
    s.assign(0, {{0, 1.0}, {1 + i, -t.drift()}}, t.noise());
    s.copy(1 + i, 0);
  }
  return s;
}

/// ssp with 2 workers and bound s ≥ 0, worker 0 preferred (it computes whenever it can,
/// messages are delivered at once). The rules give, after a transient of s + 1 pushes: worker
/// 0 pushes (its clock is then s + 1 ahead, so its answer is deferred); worker 1 pushes on the
/// θ it was answered with at the end of the previous round; the master answers worker 1 and
/// releases worker 0, both with the new θ. Variables: 0 = θ, 1 = θ held by worker 0, 2 = by
/// worker 1. Period: 2 versions, phase: after worker 1's push.
inline linear_scheme ssp_scheme(const scalar_target& t) {
  linear_scheme s(3);
  s.assign(0, {{0, 1.0}, {1, -t.drift()}}, t.noise());  // worker 0, answer deferred
  s.assign(0, {{0, 1.0}, {2, -t.drift()}}, t.noise());  // worker 1
  s.copy(1, 0);
  s.copy(2, 0);
  return s;
}

/// downpour, W workers computing local steps in turn 0, 1, ..., W − 1, messages delivered at
/// once (a push applied, a pull answered, before the next local step). Worker i's local step:
///   x_i' = x_i − (ε/2) g(x_i) + √(εT) ξ,  Δ_i += x_i' − x_i   (the same noise in both);
/// after its n-th step: n % push_every == 0 → θ += Δ_i, Δ_i = 0; then n % pull_every == 0 →
/// x_i = θ. Variables: 0 = θ, 1 + 2i = x_i, 2 + 2i = Δ_i. Period: lcm(push_every, pull_every)
/// local steps of every worker, phase: after the last worker's step of the round.
inline linear_scheme downpour_scheme(const scalar_target& t, int workers, int push_every,
                                     int pull_every) {
  linear_scheme s(1 + 2 * workers);
  const int L = std::lcm(push_every, pull_every);
  for (int n = 1; n <= L; ++n)
    for (int i = 0; i < workers; ++i) {
      const Eigen::Index x = 1 + 2 * i, d = 2 + 2 * i;
      // x_i and Δ_i at once: both move by the step's increment −(ε/2) g + √(εT) ξ.
      Eigen::MatrixXd M = Eigen::MatrixXd::Identity(s.A().rows(), s.A().rows());
      M(x, x) = 1.0 - t.drift();
      M(d, x) = -t.drift();
      Eigen::VectorXd b = Eigen::VectorXd::Zero(s.A().rows());
      b(x) = b(d) = 1.0;
      s.apply(M, t.noise() * b * b.transpose());
      if (n % push_every == 0) {
        s.assign(0, {{0, 1.0}, {d, 1.0}});
        s.assign(d, {});
      }
      if (n % pull_every == 0) s.copy(x, 0);
    }
  return s;
}

/// elastic, W workers computing local steps in turn 0, 1, ..., W − 1, exchanges answered at
/// once. Worker i's local step, with c_i the centre it last received:
///   x_i' = x_i − (ε/2)(g(x_i) + ρ(x_i − c_i)) + √(εT) ξ   (ρ's term has no gradient noise);
/// after its n-th step, n % period == 0: z ← z + α(x_i − z), c_i = z. Variables: 1 + i = x_i
/// (i < W), 1 + W + i = c_i, 0 = z (the master's centre). Period: `period` local steps of
/// every worker, phase: after the last worker's exchange.
inline linear_scheme elastic_scheme(const scalar_target& t, int workers, double rho, double alpha,
                                    int period) {
  linear_scheme s(1 + 2 * workers);
  const double h = 0.5 * t.eps;
  for (int n = 1; n <= period; ++n)
    for (int i = 0; i < workers; ++i) {
      const Eigen::Index x = 1 + i, c = 1 + workers + i;
      s.assign(x, {{x, 1.0 - h * (t.P + rho)}, {c, h * rho}}, t.noise());
      if (n == period) {
        s.assign(0, {{0, 1.0 - alpha}, {x, alpha}});
        s.copy(c, 0);
      }
    }
  return s;
}

}  // namespace sgmc::test
