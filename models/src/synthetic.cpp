// Synthetic data sets. Philox streams (seed = the data seed, stream = user):
//   step 0: the true parameters;  step 1/2: train x / train noise;  step 3/4: test x / test noise.
#include "sgmc/models/loaders.hpp"

#include "memory_bound.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <span>

namespace sgmc::models {
namespace {

constexpr std::uint64_t kTruthStep = 0;

core::rng_key key(std::uint64_t seed, std::uint64_t step) {
  return core::rng_key{seed, 0, step, core::rng_stream::user};
}

Eigen::MatrixXf normals(std::uint64_t seed, std::uint64_t step, Eigen::Index rows,
                        Eigen::Index cols) {
  Eigen::MatrixXf m(rows, cols);
  core::fill_normal(key(seed, step), 0,
                    std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
  return m;
}

Eigen::VectorXf uniforms(std::uint64_t seed, std::uint64_t step, Eigen::Index n) {
  Eigen::VectorXf u(n);
  core::fill_uniform(key(seed, step), 0, std::span<float>(u.data(), static_cast<std::size_t>(n)));
  return u;
}

// One set of n rows from the true weights w [d + 1, k] (last row: bias); k = 1 for linreg and
// logreg, k = classes for softmax. `first_step` picks the x stream; first_step + 1 the noise
// stream.
dataset generate(synthetic_generator kind, const Eigen::MatrixXf& w, std::size_t n,
                 double noise_std, std::uint64_t seed, std::uint64_t first_step) {
  const Eigen::Index d = w.rows() - 1, rows = static_cast<Eigen::Index>(n);
  dataset out;
  // Draw x in row-major order so that row i uses elements i·d .. i·d + d − 1 of the stream.
  out.x = normals(seed, first_step, d, rows).transpose();
  const Eigen::MatrixXf logits = (out.x * w.topRows(d)).rowwise() + w.row(d);
  out.y.resize(rows);
  if (kind == synthetic_generator::linreg) {
    out.y = logits.col(0) +
            static_cast<float>(noise_std) * normals(seed, first_step + 1, rows, 1).col(0);
    return out;
  }
  const Eigen::VectorXf u = uniforms(seed, first_step + 1, rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    if (kind == synthetic_generator::logreg) {
      out.y[i] = u[i] < 1.0f / (1.0f + std::exp(-logits(i, 0))) ? 1.0f : 0.0f;
      continue;
    }
    const Eigen::RowVectorXf p = (logits.row(i).array() - logits.row(i).maxCoeff()).exp();
    float c = u[i] * p.sum();
    Eigen::Index k = 0;
    while (k + 1 < p.size() && c >= p[k]) c -= p[k++];
    out.y[i] = static_cast<float>(k);
  }
  return out;
}

}  // namespace

expected<data_split> make_synthetic(const data_params& params, std::uint64_t seed) {
  const synthetic_generator kind = params.generator;
  if (static_cast<std::size_t>(kind) >= std::size(synthetic_generator_names))
    return make_error(errc::invalid_config, "data.generator: not a known generator");
  if (params.synthetic_features == 0 || params.train_size == 0)
    return make_error(errc::invalid_config,
                      "data.synthetic_features and data.train_size must be positive");
  if (!std::isfinite(params.noise_std) || params.noise_std < 0)
    return make_error(errc::invalid_config,
                      fmt::format("data.noise_std: {} must be >= 0", params.noise_std));
  std::size_t classes = 0;
  if (kind == synthetic_generator::linreg && params.classes != 0)
    return make_error(errc::invalid_config,
                      "data.classes: the linreg generator makes regression "
                      "data; set 0");
  if (kind == synthetic_generator::logreg) {
    if (params.classes != 0 && params.classes != 2)
      return make_error(errc::invalid_config, "data.classes: the logreg generator makes 2 classes");
    classes = 2;
  }
  if (kind == synthetic_generator::softmax) {
    classes = params.classes == 0 ? 3 : params.classes;
    if (classes < 2)
      return make_error(errc::invalid_config, "data.classes: the softmax generator needs >= 2");
  }
  // x is drawn transposed and copied: twice its size while it is made, 4 bytes an element.
  const double rows =
      static_cast<double>(params.train_size) + static_cast<double>(params.test_size);
  const double features = static_cast<double>(params.synthetic_features);
  if (auto ok = detail::check_memory(
          2 * 4 * features * rows,
          fmt::format(
              "data.synthetic_features x (data.train_size + data.test_size) = {} x ({} + {})",
              params.synthetic_features, params.train_size, params.test_size),
          errc::invalid_config);
      !ok)
    return unexpected(ok.error());
  const auto d = static_cast<Eigen::Index>(params.synthetic_features);
  const Eigen::Index outputs =
      kind == synthetic_generator::softmax ? static_cast<Eigen::Index>(classes) : 1;
  Eigen::MatrixXf w = normals(seed, kTruthStep, d + 1, outputs);
  if (kind == synthetic_generator::linreg) w.row(d).setZero();  // the linreg model has no bias
  data_split out;
  out.train = generate(kind, w, params.train_size, params.noise_std, seed, 1);
  out.test = generate(kind, w, params.test_size, params.noise_std, seed, 3);
  for (dataset* s : {&out.train, &out.test}) s->classes = classes;
  out.train.source = fmt::format("synthetic {} (seed {}, train)", to_string(kind), seed);
  out.test.source = fmt::format("synthetic {} (seed {}, test)", to_string(kind), seed);
  return out;
}

}  // namespace sgmc::models
