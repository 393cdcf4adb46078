#include "sgmc/models/mlp.hpp"

#include "common.hpp"
#include "memory_bound.hpp"
#include "mlp_detail.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstring>
#include <numbers>

namespace sgmc::models {
namespace {

using detail::Index;

// fn(i) for i in [0, count), each index its own TBB task (the partition is fixed elsewhere).
template <class Fn>
void run_parts(std::size_t count, Fn&& fn) {
  if (count == 1) {
    fn(std::size_t{0});
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, count, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
      },
      tbb::simple_partitioner());
}

// Rows this far ahead are prefetched while gathering: the gather is bound by memory latency.
constexpr Index kPrefetchRows = 3;

// ws.x rows / ws.labels [r0, r0 + m) = training rows indices[r0 .. r0 + m).
void gather_rows(const dataset& train, std::span<const std::uint32_t> indices, Index r0, Index m,
                 detail::mlp_workspace& ws) {
  const auto d = static_cast<std::size_t>(train.x.cols());
  const auto at = [&](Index i) {
    return static_cast<std::size_t>(indices[static_cast<std::size_t>(i)]);
  };
  for (Index i = r0; i < r0 + m; ++i) {
    if (i + kPrefetchRows < r0 + m) {
      const auto* next = reinterpret_cast<const char*>(train.x.data() + at(i + kPrefetchRows) * d);
      for (std::size_t c = 0; c < d * sizeof(float); c += 64) __builtin_prefetch(next + c);
    }
    std::memcpy(ws.x.data() + i * ws.x.cols(), train.x.data() + at(i) * d, d * sizeof(float));
    ws.labels[i] = train.y[static_cast<Index>(at(i))];
  }
}

expected<void> check_layers(const std::vector<std::size_t>& layers, const dataset& train) {
  if (layers.size() < 2)
    return make_error(
        errc::invalid_config,
        fmt::format("model.layers: needs at least 2 widths (input and output), got {}",
                    layers.size()));
  for (std::size_t l = 0; l < layers.size(); ++l)
    if (layers[l] == 0)
      return make_error(errc::invalid_config, fmt::format("model.layers: width {} is 0", l));
  if (train.classes < 2)
    return make_error(errc::invalid_config,
                      fmt::format("model.kind: needs classification data (data.classes >= 2) but "
                                  "{} has none",
                                  train.source));
  if (layers.front() != train.features())
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.layers: first layer is {} but the data has {} features",
                                  layers.front(), train.features()));
  // θ, its gradient and two vectors of sampler state, as doubles: 32 bytes a parameter.
  double params = 0;
  for (std::size_t l = 0; l + 1 < layers.size(); ++l)
    params += static_cast<double>(layers[l]) * static_cast<double>(layers[l + 1]) +
              static_cast<double>(layers[l + 1]);
  if (auto ok =
          detail::check_memory(32 * params, fmt::format("model.layers: {:.0f} parameters", params),
                               errc::invalid_config);
      !ok)
    return ok;
  if (layers.back() != train.classes)
    return make_error(errc::dimension_mismatch,
                      fmt::format("model.layers: last layer is {} but the data has {} classes",
                                  layers.back(), train.classes));
  return {};
}

}  // namespace

expected<std::unique_ptr<mlp>> mlp::create(std::shared_ptr<const dataset> train,
                                           std::vector<std::size_t> layers, activation act,
                                           double prior_precision) {
  if (!std::isfinite(prior_precision) || prior_precision <= 0)
    return make_error(errc::invalid_config,
                      fmt::format("model.prior_precision: {} must be positive", prior_precision));
  if (!train || train->size() == 0)
    return make_error(errc::invalid_config, "model.kind: needs a non-empty training set");
  if (auto ok = check_layers(layers, *train); !ok) return unexpected(ok.error());
  return std::unique_ptr<mlp>(new mlp(std::move(train), std::move(layers), act, prior_precision));
}

mlp::mlp(std::shared_ptr<const dataset> train, std::vector<std::size_t> layers, activation act,
         double prior_precision)
    : train_(std::move(train)),
      layers_(std::move(layers)),
      act_(act),
      prior_precision_(prior_precision) {
  offsets_.push_back(0);
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l)
    offsets_.push_back(offsets_.back() + layers_[l] * layers_[l + 1] + layers_[l + 1]);
}

double mlp::flops_per_grad(std::size_t n) const {
  double f = 0;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
    const double mults = static_cast<double>(n) * static_cast<double>(layers_[l] * layers_[l + 1]);
    f += 2 * mults * (l == 0 ? 2 : 3);  // forward, ∇W, and δ_l except for the input layer
  }
  return f;
}

std::unique_ptr<workspace> mlp::make_workspace(std::size_t max_batch,
                                               std::size_t max_predict) const {
  auto ws = std::make_unique<detail::mlp_workspace>();
  const detail::mlp_shape s{layers_, offsets_, act_, static_cast<float>(prior_precision_)};
  detail::init_workspace(s, static_cast<Index>(std::max<std::size_t>(1, max_batch)),
                         static_cast<Index>(std::max<std::size_t>(1, max_predict)), *ws);
  return ws;
}

double mlp::potential_and_grad(std::span<const float> theta, const batch& b, std::span<float> grad,
                               workspace& wsb) const {
  SGMC_ASSERT(theta.size() == dim() && grad.size() == dim(), "theta/grad length != dim()");
  auto& ws = detail::workspace_cast<detail::mlp_workspace>(wsb);
  detail::check_batch(b, static_cast<std::size_t>(ws.max_batch), data_size());
  const detail::mlp_shape s{layers_, offsets_, act_, static_cast<float>(prior_precision_)};
  const auto n = static_cast<Index>(b.indices.size());
  const double scale = static_cast<double>(data_size()) / static_cast<double>(n);
  const Index parts = detail::row_parts(n);
  const dataset& train = *train_;
  run_parts(static_cast<std::size_t>(parts), [&](std::size_t p) {
    const Index r0 = detail::part_begin(n, parts, static_cast<Index>(p));
    const Index m = detail::part_begin(n, parts, static_cast<Index>(p) + 1) - r0;
    gather_rows(train, b.indices, r0, m, ws);
    const detail::mat_view input{ws.x.data() + r0 * ws.x.cols(), m, ws.x.cols(), ws.x.cols(), true};
    auto buf = ws.pool->acquire();
    detail::forward_part(s, theta.data(), input, ws.labels.data() + r0, r0, m, *buf, ws);
    detail::backward_part(s, theta.data(), ws.labels.data() + r0, r0, m, static_cast<float>(scale),
                          *buf, ws);
  });
  run_parts(ws.tasks.size(), [&](std::size_t t) {
    auto buf = ws.pool->acquire();
    ws.task_sq[t] =
        detail::weight_grad_task(s, ws.tasks[t], theta.data(), grad.data(), n, *buf, ws);
  });
  double sq = 0, loglik = 0;
  for (const double v : ws.task_sq) sq += v;
  for (Index i = 0; i < n; ++i) loglik += static_cast<double>(ws.loglik[i]);
  const double lambda = prior_precision_;
  return 0.5 * lambda * sq -
         0.5 * static_cast<double>(dim()) * std::log(lambda / (2 * std::numbers::pi)) -
         scale * loglik;
}

void mlp::predict(std::span<const float> theta, const dataset& data, Eigen::VectorXf& loglik,
                  row_matrix* probs, workspace& wsb) const {
  SGMC_ASSERT(theta.size() == dim() && data.features() == layers_.front(), "features != layers[0]");
  auto& ws = detail::workspace_cast<detail::mlp_workspace>(wsb);
  const detail::mlp_shape s{layers_, offsets_, act_, static_cast<float>(prior_precision_)};
  const auto n = static_cast<Index>(data.size());
  const auto k = static_cast<Index>(classes());
  loglik.resize(n);
  if (probs != nullptr) probs->resize(n, k);
  for (const float y : data.y)
    SGMC_ASSERT(y >= 0 && y < static_cast<float>(k), "label out of range");
  for (Index first = 0; first < n; first += ws.max_predict) {
    const Index rows = std::min(ws.max_predict, n - first);
    const Index parts = detail::row_parts(rows);
    run_parts(static_cast<std::size_t>(parts), [&](std::size_t p) {
      const Index r0 = detail::part_begin(rows, parts, static_cast<Index>(p));
      const Index m = detail::part_begin(rows, parts, static_cast<Index>(p) + 1) - r0;
      const detail::mat_view input{data.x.data() + (first + r0) * data.x.cols(), m, data.x.cols(),
                                   data.x.cols(), true};
      auto buf = ws.pool->acquire();
      detail::forward_part(s, theta.data(), input, data.y.data() + first + r0, r0, m, *buf, ws);
    });
    loglik.segment(first, rows) = ws.loglik.head(rows);
    if (probs != nullptr) probs->middleRows(first, rows) = ws.h.back().topRows(rows);
  }
}

void mlp::initial_params(const core::rng_key& key, std::span<float> theta) const {
  SGMC_ASSERT(theta.size() == dim(), "theta length != dim()");
  core::rng_key k = key;
  k.stream = core::rng_stream::init;
  core::fill_normal(k, 0, theta);
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
    const double fan_in = static_cast<double>(layers_[l]),
                 fan_out = static_cast<double>(layers_[l + 1]);
    const auto sd = static_cast<float>(
        act_ == activation::relu ? std::sqrt(2.0 / fan_in) : std::sqrt(2.0 / (fan_in + fan_out)));
    auto t = detail::as_vec(theta);
    t.segment(static_cast<Index>(weight_offset(l)),
              static_cast<Index>(layers_[l] * layers_[l + 1])) *= sd;
    t.segment(static_cast<Index>(bias_offset(l)), static_cast<Index>(layers_[l + 1])).setZero();
  }
}

std::vector<param_block> mlp::param_layout() const {
  std::vector<param_block> blocks;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
    const std::string n = std::to_string(l + 1);
    blocks.push_back({"W" + n, {layers_[l], layers_[l + 1]}, weight_offset(l)});
    blocks.push_back({"b" + n, {layers_[l + 1]}, bias_offset(l)});
  }
  return blocks;
}

}  // namespace sgmc::models
