// Every model's gradient against central finite differences of an independent double-precision
// reference potential, and against finite differences of the model's own float potential.
#include "helpers.hpp"
#include "reference.hpp"

#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/logreg.hpp"
#include "sgmc/models/mlp.hpp"
#include "sgmc/models/softmax.hpp"

#include <catch2/catch.hpp>

using namespace sgmc::models;
using namespace sgmc::models::test;

namespace {

// Float model vs double reference: the model rounds every product to float.
constexpr double kGradTol = 2e-4;       // max abs error / (max |∇| + 1)
constexpr double kPotentialTol = 1e-5;  // |Û − U_ref| / (|U_ref| + 1)
// Finite differences of the float model itself along random directions.
constexpr double kFloatFdTol = 2e-2;
constexpr float kFloatFdStep = 1e-2f;

using ref_fn = std::function<double(const Eigen::VectorXd&)>;

void check_against_reference(const model& m, const Eigen::VectorXf& theta,
                             const std::vector<std::uint32_t>& rows, const ref_fn& ref) {
  const auto e = evaluate(m, theta, rows);
  const Eigen::VectorXd th = theta.cast<double>();
  const double u_ref = ref(th);
  INFO(m.name() << ": U = " << e.u << ", reference " << u_ref);
  CHECK(std::abs(e.u - u_ref) <= kPotentialTol * (std::abs(u_ref) + 1));
  const Eigen::VectorXd fd = fd_gradient(ref, th);
  INFO("gradient error " << scaled_error(e.grad.cast<double>(), fd));
  CHECK(scaled_error(e.grad.cast<double>(), fd) <= kGradTol);
}

// (Û(θ + h v) − Û(θ − h v)) / 2h ≈ ∇Û·v in float, for a few random unit directions v.
void check_float_directional(const model& m, const Eigen::VectorXf& theta,
                             const std::vector<std::uint32_t>& rows) {
  const auto e = evaluate(m, theta, rows);
  for (std::uint64_t k = 0; k < 4; ++k) {
    Eigen::VectorXf v = random_theta(m.dim(), 1.0f, 100 + k);
    v.normalize();
    const double up = evaluate(m, theta + kFloatFdStep * v, rows).u;
    const double down = evaluate(m, theta - kFloatFdStep * v, rows).u;
    const double fd = (up - down) / (2.0 * kFloatFdStep);
    const double an = static_cast<double>(e.grad.dot(v));
    INFO(m.name() << " direction " << k << ": fd " << fd << " analytic " << an);
    CHECK(std::abs(fd - an) <= kFloatFdTol * (e.grad.norm() + 1));
  }
}

const std::vector<std::uint32_t> kRows = {3, 17, 5, 29, 11, 0, 23, 8};

}  // namespace

TEST_CASE("gaussian gradients match finite differences (dense and diagonal)", "[models][grad]") {
  Eigen::VectorXd mean(3);
  mean << 1.0, -2.0, 0.5;
  Eigen::MatrixXd cov(3, 3);
  cov << 2.0, 0.6, 0.1, 0.6, 1.0, -0.3, 0.1, -0.3, 0.5;
  const auto dense = gaussian::dense(mean, cov).value();
  const Eigen::VectorXf theta = random_theta(3, 1.0f, 1);
  check_against_reference(*dense, theta, {},
                          [&](const Eigen::VectorXd& t) { return ref::gaussian_u(mean, cov, t); });
  check_float_directional(*dense, theta, {});
  const Eigen::VectorXd var = cov.diagonal();
  const auto diag = gaussian::diagonal(mean, var).value();
  check_against_reference(*diag, theta, {}, [&](const Eigen::VectorXd& t) {
    return ref::gaussian_u(mean, Eigen::MatrixXd(var.asDiagonal()), t);
  });
}

TEST_CASE("linreg gradient matches finite differences", "[models][grad]") {
  auto data = random_dataset(40, 5, 0, 11);
  const auto m = linreg::create(data, 1.5, 4.0).value();
  const Eigen::VectorXf theta = random_theta(m->dim(), 0.5f, 2);
  check_against_reference(*m, theta, kRows, [&](const Eigen::VectorXd& t) {
    return ref::linreg_u(*data, kRows, 1.5, 4.0, t);
  });
  check_float_directional(*m, theta, kRows);
}

TEST_CASE("logreg gradient matches finite differences", "[models][grad]") {
  auto data = random_dataset(40, 5, 2, 12);
  const auto m = logreg::create(data, 0.7).value();
  const Eigen::VectorXf theta = random_theta(m->dim(), 0.8f, 3);
  check_against_reference(*m, theta, kRows, [&](const Eigen::VectorXd& t) {
    return ref::logreg_u(*data, kRows, 0.7, t);
  });
  check_float_directional(*m, theta, kRows);
}

TEST_CASE("softmax gradient matches finite differences", "[models][grad]") {
  auto data = random_dataset(40, 6, 4, 13);
  const auto m = softmax::create(data, 2.0).value();
  REQUIRE(m->dim() == (6 + 1) * 4);
  const Eigen::VectorXf theta = random_theta(m->dim(), 0.5f, 4);
  check_against_reference(*m, theta, kRows, [&](const Eigen::VectorXd& t) {
    return ref::mlp_u(*data, kRows, {6, 4}, activation::relu, 2.0, t);
  });
  check_float_directional(*m, theta, kRows);
}

TEST_CASE("mlp gradient matches finite differences for relu and tanh, 2 hidden layers",
          "[models][grad]") {
  const std::vector<std::size_t> layers = {7, 9, 6, 3};
  auto data = random_dataset(40, 7, 3, 14);
  for (const auto act : {activation::relu, activation::tanh}) {
    const auto m = mlp::create(data, layers, act, 1.3).value();
    REQUIRE(m->dim() == 7 * 9 + 9 + 9 * 6 + 6 + 6 * 3 + 3);
    const Eigen::VectorXf theta = random_theta(m->dim(), 0.6f, 5);
    check_against_reference(*m, theta, kRows, [&](const Eigen::VectorXd& t) {
      return ref::mlp_u(*data, kRows, layers, act, 1.3, t);
    });
    check_float_directional(*m, theta, kRows);
  }
}

TEST_CASE("mlp gradient is right on a batch split into several parallel parts", "[models][grad]") {
  // 200 rows: the forward pass is split in 4 parts, the weight gradients in several tasks.
  const std::vector<std::size_t> layers = {20, 48, 40, 5};
  auto data = random_dataset(300, 20, 5, 15);
  const auto rows = iota_indices(70, 200);
  for (const auto act : {activation::relu, activation::tanh}) {
    const auto m = mlp::create(data, layers, act, 1.0).value();
    const Eigen::VectorXf theta = random_theta(m->dim(), 0.3f, 6);
    const auto e = evaluate(*m, theta, rows);
    const Eigen::VectorXd th = theta.cast<double>();
    const ref_fn f = [&](const Eigen::VectorXd& t) {
      return ref::mlp_u(*data, rows, layers, act, 1.0, t);
    };
    CHECK(std::abs(e.u - f(th)) <= kPotentialTol * (std::abs(f(th)) + 1));
    // Spot-check 60 coordinates spread over every layer.
    for (Eigen::Index i = 0; i < th.size(); i += th.size() / 60) {
      Eigen::VectorXd tp = th, tm = th;
      tp[i] += 1e-5;
      tm[i] -= 1e-5;
      const double fd = (f(tp) - f(tm)) / 2e-5;
      INFO("coordinate " << i);
      CHECK(std::abs(e.grad[i] - fd) <= kGradTol * (e.grad.cwiseAbs().maxCoeff() + 1));
    }
  }
}
