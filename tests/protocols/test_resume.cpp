// Resuming from a checkpoint (master::save/restore, worker::resume, save_chain/restore_chain):
// a sync run restored at version v continues with the bits of the run that never stopped, and
// so do elastic chains with ρ = 0 (independent of the centre).

#include "helpers.hpp"

#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/models/linreg.hpp"

namespace {

using namespace sgmc::test;
namespace md = sgmc::models;

// 300 rows, 5 features: a linreg posterior with data, so that minibatch positions matter.
std::shared_ptr<md::linreg> resume_model() {
  const std::size_t n = 300, d = 5;
  auto data = std::make_shared<md::dataset>();
  data->x.resize(n, d);
  data->y.resize(n);
  std::vector<float> x(n * d), e(n);
  sgmc::core::fill_normal({71, 0, 0, sgmc::core::rng_stream::user}, 0, x);
  sgmc::core::fill_normal({72, 0, 0, sgmc::core::rng_stream::user}, 0, e);
  for (std::size_t i = 0; i < n; ++i) {
    float y = 0.5f * e[i];
    for (std::size_t j = 0; j < d; ++j) {
      data->x(i, j) = x[i * d + j];
      y += (0.2f * float(j) - 0.4f) * x[i * d + j];
    }
    data->y(i) = y;
  }
  data->source = "test: synthetic linreg";
  auto m = md::linreg::create(data, 1.0, 4.0);
  REQUIRE(m.has_value());
  return std::shared_ptr<md::linreg>(std::move(*m));
}

protocol_driver_config sghmc_config(const std::shared_ptr<md::linreg>& model,
                                    pr::protocol_kind kind) {
  protocol_driver_config cfg;
  cfg.protocol.kind = kind;
  cfg.protocol.workers = 3;
  cfg.run.steps = 80;
  cfg.run.burnin = 10;
  cfg.run.thin = 2;
  cfg.run.seed = 5;
  cfg.sampler.kind = sgmc::samplers::sampler_kind::sghmc;  // momentum: kernel state to keep
  cfg.sampler.step_size = 1e-4;
  cfg.batch_size = 7;  // 100 rows per worker: epochs of 14 batches, so v = 37 is mid-epoch
  cfg.data_size = model->data_size();
  cfg.theta0.assign(model->dim(), 0.1f);
  cfg.source = [model](pr::worker_id) { return std::make_unique<model_source>(*model, 7); };
  return cfg;
}

struct saved {
  pr::master_state master;
  std::vector<std::uint64_t> computed;
  std::vector<float> theta;
};

// Runs until the shard reaches version v and keeps what a checkpoint keeps.
saved run_until(protocol_driver& d, pr::version_t v) {
  SGMC_REQUIRE_OK(d.start());
  while (d.master(0).version() < v) {
    auto more = d.step();
    SGMC_REQUIRE_OK(more);
    REQUIRE(*more);
  }
  saved s{d.master(0).save(), {}, d.theta()};
  for (pr::worker_id i = 0; i < 3; ++i) s.computed.push_back(d.worker(i).computed());
  return s;
}

enum class restore_mode { all, no_kernel_state, no_worker_skip };

std::vector<pr::draw> resumed_draws(const protocol_driver_config& cfg, const saved& s,
                                    restore_mode mode) {
  auto d = make_driver(cfg);
  d->resume_draws(0, sgmc::engine::draws_at(cfg.run, s.master.version));
  pr::master_state m = s.master;
  if (mode == restore_mode::no_kernel_state)
    std::fill(m.kernel_state.begin(), m.kernel_state.end(), 0.0f);
  SGMC_REQUIRE_OK(d->master(0).restore(m));
  for (pr::worker_id i = 0; i < 3; ++i)
    SGMC_REQUIRE_OK(
        d->worker(i).resume(mode == restore_mode::no_worker_skip ? 0 : s.computed[i], s.theta));
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->finished());
  return d->draws();
}

bool same_bits(const pr::draw& a, const pr::draw& b) {
  return a.step == b.step && a.index == b.index && a.theta.size() == b.theta.size() &&
         std::memcmp(a.theta.data(), b.theta.data(), a.theta.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a sync run restored at version v gives the uninterrupted run's draws bit for bit",
          "[protocols][resume]") {
  const auto model = resume_model();
  const auto cfg = sghmc_config(model, pr::protocol_kind::sync);
  auto whole = make_driver(cfg);
  SGMC_REQUIRE_OK(whole->start());
  SGMC_REQUIRE_OK(whole->run());
  const auto& all = whole->draws();
  REQUIRE(all.size() == 35);

  auto first = make_driver(cfg);
  const saved s = run_until(*first, 37);
  CHECK(s.master.version == 37);
  CHECK(s.computed == std::vector<std::uint64_t>{37, 37, 37});
  REQUIRE_FALSE(s.master.kernel_state.empty());

  const auto rest = resumed_draws(cfg, s, restore_mode::all);
  // Draws after version 37: steps 38, 40, ..., 80 are draws 13..34.
  REQUIRE(rest.size() == 22);
  for (std::size_t k = 0; k < rest.size(); ++k) {
    INFO("draw " << k);
    CHECK(same_bits(rest[k], all[13 + k]));
  }

  // Negative controls: without the momentum, or with the workers' streams restarted, the
  // resumed chain is another chain.
  const auto no_momentum = resumed_draws(cfg, s, restore_mode::no_kernel_state);
  CHECK_FALSE(same_bits(no_momentum.back(), all.back()));
  const auto no_skip = resumed_draws(cfg, s, restore_mode::no_worker_skip);
  CHECK_FALSE(same_bits(no_skip.back(), all.back()));
}

TEST_CASE("an async run restored at version v continues from v", "[protocols][resume]") {
  const auto model = resume_model();
  const auto cfg = sghmc_config(model, pr::protocol_kind::async);
  auto first = make_driver(cfg);
  const saved s = run_until(*first, 41);
  const auto rest = resumed_draws(cfg, s, restore_mode::all);
  REQUIRE_FALSE(rest.empty());
  CHECK(rest.front().step == 42);
  CHECK(rest.front().index == 15);
  CHECK(rest.back().step == 80);
}

TEST_CASE("restore refuses a state that does not fit the shard", "[protocols][resume]") {
  const auto model = resume_model();
  const auto cfg = sghmc_config(model, pr::protocol_kind::sync);
  auto d = make_driver(cfg);
  pr::master_state s = d->master(0).save();
  s.theta.pop_back();
  CHECK_FALSE(d->master(0).restore(s));
  s = d->master(0).save();
  s.kernel_state.push_back(1.0f);
  CHECK_FALSE(d->master(0).restore(s));
  s = d->master(0).save();
  s.version = 80;
  CHECK_FALSE(d->master(0).restore(s));
  CHECK_FALSE(d->worker(0).resume(3, std::vector<float>(2, 0.0f)));
}

namespace {

// An elastic run cut while messages are in flight: the master's part and every worker's chain
// go through engine::checkpoint_writer (which settles exchanges in flight) and back.
sgmc::engine::checkpoint elastic_cut(const protocol_driver_config& cfg, pr::version_t v) {
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  while (d->master(0).version() < v) {
    auto more = d->step();
    SGMC_REQUIRE_OK(more);
    REQUIRE(*more);
  }
  const auto path =
      std::filesystem::temp_directory_path() / ("sgmc-elastic-cut-" + std::to_string(::getpid()));
  const sgmc::engine::checkpoint_writer w(path, "cfg\n", 1, cfg.run, 3, 1, true);
  sgmc::engine::checkpoint_request m;
  m.state = d->master(0).save();
  SGMC_REQUIRE_OK(w.write(m));
  for (pr::worker_id i = 0; i < 3; ++i)
    SGMC_REQUIRE_OK(w.write_chain({m.state.version, i, d->worker(i).save_chain()}));
  auto c = sgmc::engine::read_checkpoint(path);
  std::filesystem::remove(path);
  SGMC_REQUIRE_OK(c);
  return std::move(*c);
}

std::vector<pr::draw> elastic_resumed(const protocol_driver_config& cfg,
                                      const sgmc::engine::checkpoint& c, bool momentum) {
  auto d = make_driver(cfg);
  for (std::uint32_t k = 0; k < 3; ++k) d->resume_draws(k, c.draws[k]);
  SGMC_REQUIRE_OK(d->master(0).restore(c.shards[0]));
  for (pr::worker_id i = 0; i < 3; ++i) {
    auto chain = c.chains[i];
    if (!momentum) std::fill(chain.kernel_state.begin(), chain.kernel_state.end(), 0.0f);
    SGMC_REQUIRE_OK(d->worker(i).restore_chain(chain));
  }
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->finished());
  return d->draws();
}

}  // namespace

TEST_CASE("elastic chains restored from a checkpoint continue bit for bit with rho = 0",
          "[protocols][resume][elastic]") {
  const auto model = resume_model();
  auto cfg = sghmc_config(model, pr::protocol_kind::elastic);
  cfg.protocol.elastic_rho = 0.0;
  cfg.protocol.elastic_period = 3;
  auto whole = make_driver(cfg);
  SGMC_REQUIRE_OK(whole->start());
  SGMC_REQUIRE_OK(whole->run());
  const auto all = whole->draws();
  REQUIRE(all.size() == 3 * 35);
  auto find = [&](const pr::draw& d) -> const pr::draw* {
    for (const auto& a : all)
      if (a.chain == d.chain && a.index == d.index) return &a;
    return nullptr;
  };

  for (pr::version_t v : {5u, 20u, 41u}) {
    INFO("cut at centre version " << v);
    const auto c = elastic_cut(cfg, v);
    REQUIRE(c.chains.size() == 3);
    std::uint64_t kept = 0;
    for (std::uint32_t k = 0; k < 3; ++k) {
      CHECK(c.draws[k] == sgmc::engine::draws_at(cfg.run, c.chains[k].local_steps));
      kept += c.draws[k];
    }
    const auto rest = elastic_resumed(cfg, c, true);
    // Every draw once: the kept ones and the resumed ones make the whole run's.
    CHECK(kept + rest.size() == all.size());
    for (const auto& d : rest) {
      INFO("chain " << d.chain << " draw " << d.index);
      CHECK(d.index >= c.draws[d.chain]);
      const auto* a = find(d);
      REQUIRE(a != nullptr);
      CHECK(same_bits(d, *a));
    }
    // Negative control: without the momentum the resumed chains are other chains.
    const auto no_momentum = elastic_resumed(cfg, c, false);
    REQUIRE_FALSE(no_momentum.empty());
    CHECK_FALSE(same_bits(no_momentum.back(), *find(no_momentum.back())));
  }
}

TEST_CASE("an elastic worker refuses a chain that does not fit it", "[protocols][resume]") {
  const auto model = resume_model();
  const auto cfg = sghmc_config(model, pr::protocol_kind::elastic);
  auto d = make_driver(cfg);
  auto c = d->worker(0).save_chain();
  SGMC_REQUIRE_OK(d->worker(0).restore_chain(c));
  auto bad = c;
  bad.centre.pop_back();
  CHECK_FALSE(d->worker(0).restore_chain(bad));
  bad = c;
  bad.kernel_state.push_back(1.0f);
  CHECK_FALSE(d->worker(0).restore_chain(bad));
  bad = c;
  bad.local_steps = cfg.run.steps + 1;
  CHECK_FALSE(d->worker(0).restore_chain(bad));
  bad = c;
  bad.theta.pop_back();
  CHECK_FALSE(d->worker(0).restore_chain(bad));
  // A chain that ended before the cut (engine::checkpoint_writer::worker_done) holds no vectors:
  // the restored worker is finished and only says so.
  pr::worker_chain over;
  over.finished = true;
  over.local_steps = cfg.run.steps;
  SGMC_REQUIRE_OK(d->worker(1).restore_chain(over));
  pr::outbox out;
  SGMC_REQUIRE_OK(d->worker(1).start(out));
  CHECK(out.finished);
  CHECK(out.send.empty());
  CHECK(d->worker(1).finished());
}
