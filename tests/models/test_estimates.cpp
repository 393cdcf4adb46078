// The minibatch estimate is unbiased; predict agrees with the potential; full_data; workspaces.
#include "helpers.hpp"

#include "sgmc/models/full_data.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/models/logreg.hpp"
#include "sgmc/models/mlp.hpp"
#include "sgmc/models/softmax.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

using namespace sgmc::models;
using namespace sgmc::models::test;

namespace {

constexpr double kSumTol = 1e-5;  // relative, float sums over an epoch

struct case_t {
  std::string label;
  std::shared_ptr<const dataset> data;
  std::unique_ptr<model> m;
  double lambda;
};

std::vector<case_t> all_models(std::size_t n) {
  std::vector<case_t> out;
  auto add = [&](std::string label, std::shared_ptr<const dataset> data, auto made, double lambda) {
    out.push_back({std::move(label), std::move(data), std::move(made).value(), lambda});
  };
  auto d1 = random_dataset(n, 5, 0, 31), d2 = random_dataset(n, 5, 2, 32),
       d3 = random_dataset(n, 6, 4, 33), d4 = random_dataset(n, 6, 3, 34);
  add("linreg", d1, linreg::create(d1, 1.5, 2.0), 1.5);
  add("logreg", d2, logreg::create(d2, 0.5), 0.5);
  add("softmax", d3, softmax::create(d3, 2.0), 2.0);
  add("mlp relu", d4, mlp::create(d4, {6, 16, 12, 3}, activation::relu, 1.0), 1.0);
  add("mlp tanh", d4, mlp::create(d4, {6, 10, 3}, activation::tanh, 1.0), 1.0);
  return out;
}

double prior_term(const model& m, const Eigen::VectorXf& theta, double lambda) {
  return 0.5 * lambda * static_cast<double>(theta.squaredNorm()) -
         0.5 * static_cast<double>(m.dim()) * std::log(lambda / (2 * std::numbers::pi));
}

}  // namespace

TEST_CASE("the minibatch estimate averaged over the batches of an epoch is the full value",
          "[models][unbiased]") {
  const std::size_t n = 120, batch = 24;
  for (auto& c : all_models(n)) {
    INFO(c.label);
    const Eigen::VectorXf theta = random_theta(c.m->dim(), 0.4f, 41);
    const auto full = evaluate(*c.m, theta, iota_indices(0, n));
    double u = 0;
    Eigen::VectorXf g = Eigen::VectorXf::Zero(theta.size());
    for (std::size_t first = 0; first < n; first += batch) {
      const auto e = evaluate(*c.m, theta, iota_indices(first, batch));
      u += e.u / (n / batch);
      g += e.grad / static_cast<float>(n / batch);
    }
    CHECK(u == Approx(full.u).epsilon(kSumTol));
    CHECK((g - full.grad).cwiseAbs().maxCoeff() <= kSumTol * (full.grad.cwiseAbs().maxCoeff() + 1));
    // full_data gives the same with any block size.
    full_data fd(*c.m, 50);
    Eigen::VectorXf g2(theta.size());
    CHECK(fd.potential_and_grad(sp(theta), sp(g2)) == Approx(full.u).epsilon(kSumTol));
    CHECK((g2 - full.grad).cwiseAbs().maxCoeff() <=
          kSumTol * (full.grad.cwiseAbs().maxCoeff() + 1));
  }
}

TEST_CASE("predict: probabilities sum to 1 and the log-likelihood matches the potential",
          "[models][predict]") {
  const std::size_t n = 90;
  for (auto& c : all_models(n)) {
    INFO(c.label);
    const Eigen::VectorXf theta = random_theta(c.m->dim(), 0.4f, 42);
    const auto full = evaluate(*c.m, theta, iota_indices(0, n));
    // A small max_predict forces several blocks.
    auto ws = c.m->make_workspace(8, 32);
    Eigen::VectorXf loglik;
    row_matrix probs;
    const dataset* train = c.data.get();
    c.m->predict(sp(theta), *train, loglik, &probs, *ws);
    REQUIRE(loglik.size() == static_cast<Eigen::Index>(n));
    const double sum = loglik.cast<double>().sum();
    CHECK(full.u == Approx(prior_term(*c.m, theta, c.lambda) - sum).epsilon(kSumTol));
    if (c.m->kind() == task::classification) {
      REQUIRE(probs.rows() == static_cast<Eigen::Index>(n));
      REQUIRE(probs.cols() == static_cast<Eigen::Index>(c.m->classes()));
      CHECK((probs.rowwise().sum().array() - 1.0f).abs().maxCoeff() < 1e-5f);
      CHECK(probs.minCoeff() >= 0.0f);
      for (Eigen::Index i = 0; i < loglik.size(); ++i)
        CHECK(std::exp(loglik[i]) ==
              Approx(probs(i, static_cast<Eigen::Index>(train->y[i]))).epsilon(1e-4));
    }
  }
}

TEST_CASE("initial params are deterministic in the key and differ between chains",
          "[models][init]") {
  for (auto& c : all_models(30)) {
    INFO(c.label);
    Eigen::VectorXf a(c.m->dim()), b(c.m->dim()), other(c.m->dim());
    c.m->initial_params({3, 0, 0, sgmc::core::rng_stream::init}, sp(a));
    c.m->initial_params({3, 0, 0, sgmc::core::rng_stream::init}, sp(b));
    c.m->initial_params({3, 1, 0, sgmc::core::rng_stream::init}, sp(other));
    CHECK(a == b);
    CHECK(a != other);
    CHECK(a.allFinite());
    CHECK(a.cwiseAbs().maxCoeff() < 10.0f);
  }
}

TEST_CASE("mlp initial weights have He (relu) and Glorot (tanh) scale, biases 0",
          "[models][init]") {
  auto data = random_dataset(10, 400, 10, 43);
  for (const auto act : {activation::relu, activation::tanh}) {
    const auto m = mlp::create(data, {400, 300, 10}, act, 1.0).value();
    Eigen::VectorXf t(m->dim());
    m->initial_params({1, 0, 0, sgmc::core::rng_stream::init}, sp(t));
    const Eigen::VectorXf w0 = t.segment(0, 400 * 300);
    const double sd = std::sqrt(w0.squaredNorm() / w0.size());
    const double want = act == activation::relu ? std::sqrt(2.0 / 400) : std::sqrt(2.0 / 700);
    CHECK(sd == Approx(want).epsilon(0.02));
    CHECK(t.segment(static_cast<Eigen::Index>(m->bias_offset(0)), 300).isZero());
    CHECK(t.segment(static_cast<Eigen::Index>(m->bias_offset(1)), 10).isZero());
  }
}
