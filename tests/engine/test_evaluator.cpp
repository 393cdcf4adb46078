#include "sgmc/engine/evaluator.hpp"
#include "sgmc/engine/model_gradient.hpp"
#include "sgmc/models/factory.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>

using sgmc::engine::evaluator;
using sgmc::engine::metric_list;
namespace models = sgmc::models;

namespace {

constexpr double k_tol = 1e-5;

std::map<std::string, double> as_map(const metric_list& m) { return {m.begin(), m.end()}; }

struct problem {
  models::data_split data;
  std::unique_ptr<models::model> model;
};

problem synthetic(const std::string& kind) {
  models::data_params dp;
  dp.format = models::data_format::synthetic;
  dp.generator = models::parse_synthetic_generator(kind).value();
  dp.train_size = 300;
  dp.test_size = 80;
  dp.synthetic_features = 4;
  problem p;
  auto data = models::load_data(dp, 3);
  REQUIRE(data);
  p.data = std::move(*data);
  models::model_params mp;
  mp.kind = models::parse_model_kind(kind).value();
  auto m = models::make_model(mp, p.data);
  REQUIRE(m);
  p.model = std::move(*m);
  return p;
}

std::vector<std::vector<float>> random_draws(const models::model& m, int n) {
  std::vector<std::vector<float>> draws;
  for (int s = 0; s < n; ++s) {
    std::vector<float> theta(m.dim());
    for (std::size_t j = 0; j < theta.size(); ++j)
      theta[j] = 0.3f * std::sin(1.7f * static_cast<float>(s * 31 + static_cast<int>(j)));
    draws.push_back(theta);
  }
  return draws;
}

}  // namespace

TEST_CASE("regression predictive NLL is -mean log mean_s p(y|x,theta_s)", "[evaluator]") {
  auto p = synthetic("linreg");
  const auto& test = p.data.test;
  auto eval = evaluator::make(*p.model, test);
  auto ws = p.model->make_workspace(1);
  const auto draws = random_draws(*p.model, 3);
  const auto n = test.size();
  std::vector<double> mean_p(n, 0.0), mean_pred(n, 0.0);
  for (const auto& theta : draws) {
    eval->add_draw(theta);
    Eigen::VectorXf ll;
    p.model->predict(theta, test, ll, nullptr, *ws);
    const Eigen::Map<const Eigen::VectorXf> t(theta.data(),
                                              static_cast<Eigen::Index>(theta.size()));
    const Eigen::VectorXf pred = test.x * t;
    for (std::size_t i = 0; i < n; ++i) {
      mean_p[i] += std::exp(static_cast<double>(ll[static_cast<Eigen::Index>(i)])) / 3.0;
      mean_pred[i] += pred[static_cast<Eigen::Index>(i)] / 3.0;
    }
  }
  double nll = 0.0, se = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    nll -= std::log(mean_p[i]) / static_cast<double>(n);
    const double r = mean_pred[i] - test.y[static_cast<Eigen::Index>(i)];
    se += r * r / static_cast<double>(n);
  }
  auto m = as_map(eval->evaluate(draws.back(), true));
  CHECK(eval->draws() == 3);
  CHECK(m.at("pred_nll") == Approx(nll).epsilon(k_tol));
  CHECK(m.at("pred_rmse") == Approx(std::sqrt(se)).epsilon(k_tol));
  CHECK(std::isfinite(m.at("nll")));
  CHECK(std::string(eval->headline().metric) == "pred_rmse");
}

TEST_CASE("classification predictive averages class probabilities over draws", "[evaluator]") {
  auto p = synthetic("logreg");
  const auto& test = p.data.test;
  auto eval = evaluator::make(*p.model, test);
  auto before = as_map(eval->evaluate(random_draws(*p.model, 1)[0], false));
  CHECK(std::isnan(before.at("pred_accuracy")));  // no draws yet: null in metrics.jsonl
  auto ws = p.model->make_workspace(1);
  const auto draws = random_draws(*p.model, 4);
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(test.size()), 2);
  for (const auto& theta : draws) {
    eval->add_draw(theta);
    Eigen::VectorXf ll;
    models::row_matrix probs;
    p.model->predict(theta, test, ll, &probs, *ws);
    sum += probs.cast<double>();
  }
  double nll = 0.0, correct = 0.0;
  const auto n = static_cast<double>(test.size());
  for (Eigen::Index i = 0; i < sum.rows(); ++i) {
    const auto y = static_cast<Eigen::Index>(test.y[i]);
    nll -= std::log(sum(i, y) / 4.0) / n;
    Eigen::Index best = 0;
    sum.row(i).maxCoeff(&best);
    correct += best == y;
  }
  auto m = as_map(eval->evaluate(draws.back(), true));
  CHECK(m.at("pred_nll") == Approx(nll).epsilon(k_tol));
  CHECK(m.at("pred_accuracy") == Approx(correct / n));
  CHECK(m.at("accuracy") >= 0.0);
  CHECK(m.at("accuracy") <= 1.0);
}

TEST_CASE("gaussian targets report the error of the running mean and variance", "[evaluator]") {
  models::model_params mp;
  mp.kind = models::model_kind::gaussian;
  mp.mean = {1.0, -2.0};
  mp.variance = {4.0, 0.25};
  auto m = models::make_model(mp, models::data_split{});
  REQUIRE(m);
  auto eval = evaluator::make(**m, models::dataset{});
  // Draws μ ± σ in each coordinate: sample mean μ exactly, sample variance 4/3 σ² (n − 1 = 3).
  const std::vector<std::vector<float>> draws = {{3, -1.5f}, {-1, -2.5f}, {3, -2.5f}, {-1, -1.5f}};
  for (const auto& d : draws) eval->add_draw(d);
  auto r = as_map(eval->evaluate(draws.back(), true));
  CHECK(r.at("mean_error") == Approx(0.0).margin(1e-12));
  CHECK(r.at("var_error") == Approx(1.0 / 3.0).epsilon(1e-9));
  CHECK(r.at("dist") == Approx(std::sqrt(4.0 + 0.25)));
}

TEST_CASE("model_gradient passes minibatches to the model and sums full gradients", "[evaluator]") {
  auto p = synthetic("linreg");
  sgmc::engine::model_gradient source(*p.model, 300);
  const auto theta = random_draws(*p.model, 1)[0];
  std::vector<std::uint32_t> all(p.model->data_size());
  for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<float> g_batch(p.model->dim()), g_full(p.model->dim());
  const double u_batch = source.minibatch(theta, all, {}, g_batch);
  const double u_full = source.full(theta, g_full);
  CHECK(u_full == Approx(u_batch).epsilon(1e-5));
  for (std::size_t j = 0; j < g_full.size(); ++j)
    CHECK(g_full[j] == Approx(g_batch[j]).epsilon(1e-4).margin(1e-3));
}
