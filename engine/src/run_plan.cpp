#include "sgmc/engine/run_plan.hpp"

#include "sgmc/engine/model_gradient.hpp"
#include "sgmc/protocols/collector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace sgmc::engine {
namespace {

using protocols::protocol_kind;

bool local_kernel(protocol_kind k) {
  return k == protocol_kind::downpour || k == protocol_kind::elastic;
}

expected<std::unique_ptr<samplers::sampler>> kernel(const run_plan& s, std::size_t n) {
  return samplers::make_sampler(s.sampler, n);
}

// atomo-svd's matrices: the model's blocks (param_layout) in θ's order. A block of shape
// (r, c) is stored row-major, i.e. column-major c × r, the layout the codec reads; a vector of
// n values is n × 1; a block of more dimensions is (its first, the rest) likewise.
void set_codec_shapes(protocols::codec_params& c, const models::model& model) {
  if (c.kind != protocols::codec_kind::atomo_svd || !c.shapes.empty()) return;
  for (const auto& b : model.param_layout()) {
    const std::size_t n = b.size();
    if (b.shape.size() >= 2)
      c.shapes.push_back({n / b.shape.front(), b.shape.front()});
    else
      c.shapes.push_back({n, 1});
  }
}

}  // namespace

run_plan make_plan(const run_config& cfg, const models::model& model,
                   const samplers::schedule& sched) {
  run_plan plan;
  plan.protocol = cfg.protocol.params;
  set_codec_shapes(plan.protocol.codec.push, model);
  set_codec_shapes(plan.protocol.codec.pull, model);
  plan.run.steps = cfg.run.steps;
  plan.run.burnin = cfg.run.burnin;
  plan.run.thin = cfg.run.thin;
  plan.run.seed = cfg.seed;
  plan.staleness = cfg.staleness;
  plan.model = &model;
  plan.sampler = cfg.sampler;
  plan.sampler.data_size = model.data_size();
  plan.schedule = sched;
  return plan;
}

expected<void> validate(const run_plan& s) {
  if (s.model == nullptr) return make_error(errc::invalid_argument, "run plan without a model");
  if (auto r = protocols::validate(s.protocol, s.model->dim()); !r) return r;
  if (auto r = protocols::validate(s.run); !r) return r;
  if (auto r = validate(s.staleness, s.protocol.workers); !r) return r;
  if (auto r = samplers::validate(s.sampler); !r) return r;
  if (s.sampler.kind == samplers::sampler_kind::sgld_fp)
    return make_error(errc::invalid_config,
                      "sampler.kind = sgld-fp is not supported with a [protocol] (its control "
                      "variate needs the full data set on every worker); use sgld");
  if (!s.theta0.empty() && s.theta0.size() != s.model->dim())
    return make_error(
        errc::dimension_mismatch,
        fmt::format("θ_0 has {} values but the model has dim {}", s.theta0.size(), s.model->dim()));
  const bool versions = s.staleness.delay.dist != delay_spec::distribution::none &&
                        s.staleness.delay.in == delay_spec::unit::versions;
  if (versions && s.protocol.kind == protocol_kind::sync)
    return make_error(errc::invalid_config,
                      fmt::format("staleness.delay = \"{}\": a delay in versions needs a protocol "
                                  "whose workers may lag (async, ssp, downpour, elastic), not sync",
                                  to_string(s.staleness.delay)));
  return {};
}

std::vector<float> initial_theta(const run_plan& s) {
  std::vector<float> theta0 = s.theta0;
  if (theta0.empty()) {
    theta0.resize(s.model->dim());
    s.model->initial_params({s.run.seed, 0, 0, core::rng_stream::init}, theta0);
  }
  return theta0;
}

expected<std::vector<std::unique_ptr<protocols::master>>> make_master_shards(
    const run_plan& s, std::span<const float> theta0) {
  std::vector<std::unique_ptr<protocols::master>> out;
  const auto dim = s.model->dim();
  for (std::uint32_t k = 0; k < s.protocol.shards; ++k) {
    protocols::master_setup ms;
    ms.protocol = s.protocol;
    ms.run = s.run;
    ms.shard = k;
    ms.dim = dim;
    ms.theta0 = theta0;
    ms.schedule = s.schedule;
    if (!local_kernel(s.protocol.kind)) {
      auto kern = kernel(s, protocols::shard_slice(dim, s.protocol.shards, k).size);
      if (!kern) return unexpected(kern.error());
      ms.kernel = std::move(*kern);
    }
    auto m = protocols::make_master(std::move(ms));
    if (!m) return unexpected(m.error());
    out.push_back(std::move(*m));
  }
  return out;
}

expected<worker_part> make_worker_part(const run_plan& s, std::span<const float> theta0,
                                       protocols::worker_id i) {
  const auto& m = *s.model;
  worker_part part;
  part.source = std::make_unique<model_gradient>(m, s.sampler.batch_size);
  protocols::worker_setup ws;
  ws.protocol = s.protocol;
  ws.run = s.run;
  ws.id = i;
  ws.dim = m.dim();
  ws.source = part.source.get();
  if (m.data_size() > 0)
    ws.rows = protocols::worker_rows(m.data_size(), s.protocol.workers, i, s.protocol.shard_data,
                                     s.run.seed);
  ws.batch_size = s.sampler.batch_size;
  ws.theta0 = theta0;
  ws.schedule = s.schedule;
  if (local_kernel(s.protocol.kind)) {
    auto kern = kernel(s, m.dim());
    if (!kern) return unexpected(kern.error());
    ws.kernel = std::move(*kern);
  }
  auto w = protocols::make_worker(std::move(ws));
  if (!w) return unexpected(w.error());
  part.worker = std::move(*w);
  return part;
}

expected<run_parts> make_run_parts(const run_plan& s, sample_sink& sink) {
  if (auto r = validate(s); !r) return unexpected(r.error());
  const std::vector<float> theta0 = initial_theta(s);
  run_parts rp;
  auto masters = make_master_shards(s, theta0);
  if (!masters) return unexpected(masters.error());
  rp.masters = std::move(*masters);
  for (std::uint32_t i = 0; i < s.protocol.workers; ++i) {
    auto w = make_worker_part(s, theta0, i);
    if (!w) return unexpected(w.error());
    rp.workers.push_back(std::move(w->worker));
    rp.sources.push_back(std::move(w->source));
  }
  const auto coll = protocols::collector::for_protocol(s.protocol, s.model->dim());
  rp.chains = coll.chains();
  rp.slices = coll.shards();
  rp.dim = s.model->dim();
  rp.sink = &sink;
  rp.progress_every = std::max<std::uint64_t>(1, s.run.steps / 100);
  return rp;
}

}  // namespace sgmc::engine
