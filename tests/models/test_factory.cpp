// make_model: every kind builds, and every documented mistake gives a one-line error naming
// the key.
#include "helpers.hpp"

#include "sgmc/models/factory.hpp"
#include "sgmc/models/mlp.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::errc;

namespace {

data_split split_of(std::shared_ptr<const dataset> d) {
  data_split s;
  s.train = *d;
  return s;
}

void check_error(const model_params& p, const data_split& data, errc code,
                 const std::string& needle) {
  const auto r = make_model(p, data);
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == code);
  CHECK_THAT(r.error().message, Catch::Contains(needle));
  CHECK(r.error().message.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("make_model builds every kind with the right dimension", "[models][factory]") {
  const auto cls = split_of(random_dataset(20, 780, 10, 1));
  const auto reg = split_of(random_dataset(20, 5, 0, 2));
  const auto bin = split_of(random_dataset(20, 5, 2, 3));
  model_params p;
  p.layers = {780, 30, 10};
  auto m = make_model(p, cls);
  REQUIRE(m);
  CHECK((*m)->name() == "mlp");
  CHECK((*m)->dim() == 780 * 30 + 30 + 30 * 10 + 10);
  CHECK((*m)->classes() == 10);
  p.kind = model_kind::softmax;
  CHECK(make_model(p, cls).value()->dim() == 781 * 10);
  p.kind = model_kind::linreg;
  CHECK(make_model(p, reg).value()->dim() == 5);
  p.kind = model_kind::logreg;
  CHECK(make_model(p, bin).value()->dim() == 6);
  p.kind = model_kind::gaussian;
  p.mean = {1, 2};
  m = make_model(p, data_split{});
  REQUIRE(m);
  CHECK((*m)->dim() == 2);
  CHECK((*m)->data_size() == 0);
  p.covariance = {{1, 0.5}, {0.5, 2}};
  REQUIRE(make_model(p, data_split{}));
  // Sharing the training set.
  p = model_params{};
  p.kind = model_kind::linreg;
  REQUIRE(make_model(p, std::make_shared<const dataset>(reg.train)));
}

// Every name of a table parses to the enum at its index and back; other names are an error
// naming the key and every allowed name.
template <class Enum, std::size_t N, class Parse>
void check_names(const char* const (&names)[N], Parse parse, const std::string& error) {
  for (std::size_t i = 0; i < N; ++i) {
    INFO(names[i]);
    const auto e = parse(names[i]);
    REQUIRE(e);
    CHECK(*e == static_cast<Enum>(i));
    CHECK(std::string(to_string(*e)) == names[i]);
  }
  const auto bad = parse("resnet");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_config);
  CHECK(bad.error().message == error);
}

TEST_CASE("every model and data kind parses from its one table of names", "[models][factory]") {
  check_names<model_kind>(
      model_kind_names, parse_model_kind,
      "model.kind must be one of gaussian | linreg | logreg | softmax | mlp | mixture, got "
      "\"resnet\"");
  check_names<activation>(activation_names, parse_activation,
                          "model.activation must be one of relu | tanh, got \"resnet\"");
  check_names<data_format>(
      data_format_names, parse_data_format,
      "data.format must be one of idx | csv | libsvm | synthetic, got \"resnet\"");
  check_names<standardize_mode>(
      standardize_mode_names, parse_standardize_mode,
      "data.standardize must be one of auto | none | scale | zscore, got \"resnet\"");
  check_names<synthetic_generator>(
      synthetic_generator_names, parse_synthetic_generator,
      "data.generator must be one of linreg | logreg | softmax, got \"resnet\"");
  CHECK(std::string(to_string(static_cast<model_kind>(9))) == "unknown");
}

TEST_CASE("make_model names the key at fault", "[models][factory]") {
  const auto cls = split_of(random_dataset(20, 780, 10, 1));
  const auto reg = split_of(random_dataset(20, 5, 0, 2));
  model_params p;
  p.kind = model_kind::mlp;
  p.layers = {784, 100, 10};
  check_error(p, cls, errc::dimension_mismatch,
              "model.layers: first layer is 784 but the data has 780 features");
  p.layers = {780, 100, 9};
  check_error(p, cls, errc::dimension_mismatch,
              "model.layers: last layer is 9 but the data has 10 classes");
  p.layers = {780};
  check_error(p, cls, errc::invalid_config, "model.layers: needs at least 2");
  p.layers = {780, 0, 10};
  check_error(p, cls, errc::invalid_config, "model.layers");
  p.layers = {5, 10, 2};
  check_error(p, reg, errc::invalid_config, "classification");
  p.layers = {780, 100, 10};
  p.activation = static_cast<activation>(7);  // not a name of activation_names
  check_error(p, cls, errc::invalid_config, "model.activation");
  p.activation = activation::relu;
  p.prior_precision = 0;
  check_error(p, cls, errc::invalid_config, "model.prior_precision");
  p.prior_precision = 1;
  p.kind = model_kind::linreg;
  p.noise_precision = -1;
  check_error(p, reg, errc::invalid_config, "model.noise_precision");
  check_error(p, cls, errc::invalid_config, "model.noise_precision");
  p.noise_precision = 1;
  check_error(p, cls, errc::invalid_config, "data.classes");
  p.kind = model_kind::logreg;
  check_error(p, cls, errc::invalid_config, "2-class");
}

TEST_CASE("make_model names the gaussian key at fault", "[models][factory]") {
  model_params p;
  p.kind = model_kind::gaussian;
  check_error(p, {}, errc::invalid_config, "model.mean");
  p.mean = {0, 0};
  p.variance = {1, 1, 1};
  check_error(p, {}, errc::dimension_mismatch, "model.variance");
  p.variance = {1, 0};
  check_error(p, {}, errc::invalid_config, "model.variance: entry 1");
  p.variance = {1, 1};
  p.covariance = {{1, 0}, {0, 1}};
  check_error(p, {}, errc::invalid_config, "not both");
  p.variance.clear();
  p.covariance = {{1, 0}, {0, 1}, {0, 0}};
  check_error(p, {}, errc::dimension_mismatch, "model.covariance");
  p.covariance = {{1, 0, 0}, {0, 1}};
  check_error(p, {}, errc::dimension_mismatch, "model.covariance: row 0");
  p.covariance = {{1, 2}, {2, 1}};
  check_error(p, {}, errc::invalid_config, "positive definite");
  p.covariance = {{1, 0}, {0, 1}};
  p.grad_noise = -0.1;
  check_error(p, {}, errc::invalid_config, "model.grad_noise");
}

namespace {

/// Every element of θ is in exactly one block, and the blocks come in order of offset.
void check_covers_once(const model& m) {
  std::vector<int> hits(m.dim(), 0);
  std::size_t next = 0;
  for (const auto& b : m.param_layout()) {
    INFO(m.name() << " block " << b.name);
    CHECK(b.offset == next);
    REQUIRE(b.offset + b.size() <= m.dim());
    for (std::size_t i = 0; i < b.size(); ++i) ++hits[b.offset + i];
    next = b.offset + b.size();
  }
  CHECK(next == m.dim());
  CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
}

}  // namespace

TEST_CASE("param_layout names the blocks of theta and covers it exactly once",
          "[models][factory]") {
  const auto cls = split_of(random_dataset(20, 7, 3, 1));
  const auto reg = split_of(random_dataset(20, 5, 0, 2));
  const auto bin = split_of(random_dataset(20, 5, 2, 3));
  model_params p;
  p.layers = {7, 4, 6, 3};
  auto m = make_model(p, cls).value();
  check_covers_once(*m);
  const auto layout = m->param_layout();
  REQUIRE(layout.size() == 6);
  CHECK(layout[0].name == "W1");
  CHECK(layout[0].shape == std::vector<std::size_t>{7, 4});
  CHECK(layout[1].name == "b1");
  CHECK(layout[1].shape == std::vector<std::size_t>{4});
  CHECK(layout[4].name == "W3");
  CHECK(layout[4].shape == std::vector<std::size_t>{6, 3});
  CHECK(layout[5].name == "b3");
  // Row-major as the model reads it: W2 (i, j) is θ[weight_offset(1) + i·6 + j].
  const auto& net = dynamic_cast<const mlp&>(*m);
  CHECK(layout[2].offset == net.weight_offset(1));
  CHECK(layout[3].offset == net.bias_offset(1));
  p.kind = model_kind::softmax;
  m = make_model(p, cls).value();
  check_covers_once(*m);
  CHECK(m->param_layout()[0].name == "W");
  CHECK(m->param_layout()[0].shape == std::vector<std::size_t>{7, 3});
  CHECK(m->param_layout()[1].name == "b");
  for (const auto& [kind, data] : {std::pair{model_kind::linreg, reg}, {model_kind::logreg, bin}}) {
    p.kind = kind;
    m = make_model(p, data).value();
    check_covers_once(*m);
    CHECK(m->param_layout().size() == 1);
    CHECK(m->param_layout()[0].name == "theta");
  }
  p.kind = model_kind::gaussian;
  p.mean = {1, 2, 3};
  m = make_model(p, data_split{}).value();
  check_covers_once(*m);
  CHECK(m->param_layout()[0].shape == std::vector<std::size_t>{3});
}
