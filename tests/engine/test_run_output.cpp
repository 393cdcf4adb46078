// engine::chain_output, the one output writer of every run: the metrics cadence (a record at
// the first step reported at or past every multiple of eval_every, and one for the last step),
// the .npy rows, the injected clock in wall_s; output_sink (a protocol run's collector) and
// write_text's error.
#include "sgmc/engine/clock.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc/engine/output_sink.hpp"
#include "sgmc/engine/problem.hpp"
#include "sgmc/engine/run_output.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace e = sgmc::engine;
namespace models = sgmc::models;

namespace {

struct fixture {
  sgmc::test::tmp_dir dir{"run-output"};
  models::data_split data;
  std::unique_ptr<models::model> model;
  std::optional<e::metrics_writer> metrics;
  e::no_progress progress;
  e::manual_clock time;

  fixture() {
    models::model_params mp;
    mp.kind = models::model_kind::gaussian;
    mp.mean = {1.0, -1.0};
    mp.variance = {1.0, 2.0};
    auto m = models::make_model(mp, data);
    REQUIRE(m);
    model = std::move(*m);
    auto w = e::metrics_writer::create(dir.file("metrics.jsonl"));
    REQUIRE(w);
    metrics.emplace(std::move(*w));
  }
  e::output_context context(std::uint64_t eval_every) {
    return {eval_every, *model, data.test, *metrics, progress, time, dir.path()};
  }
  std::vector<std::string> lines() const {
    std::ifstream in(dir.file("metrics.jsonl"));
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
};

/// The "step": N of each metrics line, in order.
std::vector<std::uint64_t> steps_of(const std::vector<std::string>& lines) {
  std::vector<std::uint64_t> out;
  for (const auto& l : lines) {
    const auto at = l.find("\"step\":");
    REQUIRE(at != std::string::npos);
    out.push_back(std::stoull(l.substr(at + 7)));
  }
  return out;
}

}  // namespace

TEST_CASE("a chain reporting every step is recorded at the multiples of eval_every and the end") {
  fixture f;
  const auto ctx = f.context(4);
  auto out = e::chain_output::create(ctx, 0);
  REQUIRE(out);
  const std::vector<float> theta{0.5f, 0.25f};
  for (std::uint64_t t = 1; t <= 10; ++t) {
    f.time.set(0.5 * static_cast<double>(t));
    REQUIRE((*out)->on_step(t, theta, t % 2 == 0, 1.0, 0.1));
  }
  auto s = (*out)->finish(theta, true);
  REQUIRE(s);
  CHECK(s->steps == 10);
  CHECK(s->draws == 5);
  const auto lines = f.lines();
  CHECK(steps_of(lines) == std::vector<std::uint64_t>{4, 8, 10});
  // wall_s comes from the injected clock: 8 steps at 0.5 s.
  CHECK(lines[1].find("\"wall_s\": 4,") != std::string::npos);
}

TEST_CASE("a chain whose last step fell on a multiple of eval_every gets no second record") {
  fixture f;
  const auto ctx = f.context(5);
  auto out = e::chain_output::create(ctx, 0);
  REQUIRE(out);
  const std::vector<float> theta{0.0f, 0.0f};
  for (std::uint64_t t = 1; t <= 10; ++t) REQUIRE((*out)->on_step(t, theta, true, 1.0, 0.1));
  REQUIRE((*out)->finish(theta, true));
  CHECK(steps_of(f.lines()) == std::vector<std::uint64_t>{5, 10});
}

TEST_CASE("a collector's draws at scattered steps are recorded at the first past each multiple") {
  fixture f;
  const auto ctx = f.context(10);
  const auto sched = sgmc::samplers::schedule::constant(0.01);
  auto sink = e::output_sink::create(ctx, sched, 1);
  REQUIRE(sink);
  for (std::uint64_t step : {3, 7, 12, 15, 27, 31, 33}) {
    sgmc::protocols::draw d;
    d.chain = 0;
    d.step = step;
    d.theta = {static_cast<float>(step), 0.0f};
    REQUIRE((*sink)->on_draw(d));
  }
  REQUIRE((*sink)->on_finish(e::run_report{}));
  CHECK(steps_of(f.lines()) == std::vector<std::uint64_t>{12, 27, 31, 33});
  REQUIRE((*sink)->chains().size() == 1);
  CHECK((*sink)->chains()[0].draws == 7);
  CHECK((*sink)->chains()[0].steps == 33);
}

TEST_CASE("a collector refuses a draw of another chain or dimension") {
  fixture f;
  const auto ctx = f.context(10);
  const auto sched = sgmc::samplers::schedule::constant(0.01);
  auto sink = e::output_sink::create(ctx, sched, 1);
  REQUIRE(sink);
  sgmc::protocols::draw d;
  d.chain = 1;
  d.theta = {0.0f, 0.0f};
  auto r = (*sink)->on_draw(d);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("does not fit") != std::string::npos);
  d.chain = 0;
  d.theta = {0.0f};
  CHECK_FALSE((*sink)->on_draw(d));
}

TEST_CASE("write_text names the file and the OS error when it cannot write") {
  sgmc::test::tmp_dir dir("write-text");
  auto r = e::write_text(dir.path() / "missing" / "config.toml", "x = 1\n");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("config.toml") != std::string::npos);
  CHECK(r.error().message.find("No such file or directory") != std::string::npos);
  REQUIRE(e::write_text(dir.path() / "config.toml", "x = 1\n"));
  std::ifstream in(dir.path() / "config.toml");
  std::string line;
  std::getline(in, line);
  CHECK(line == "x = 1");
}

TEST_CASE("every draw's step, potential, step size and staleness go to chain-K.stats.npy") {
  fixture f;
  const auto ctx = f.context(100);
  auto out = e::chain_output::create(ctx, 3);
  REQUIRE(out);
  const std::vector<float> theta{0.5f, 0.25f};
  for (std::uint64_t t = 1; t <= 6; ++t)
    REQUIRE((*out)->on_step(t, theta, t % 3 == 0, 10.0 + static_cast<double>(t), 0.01 * t,
                            static_cast<std::int64_t>(t) - 4));
  REQUIRE((*out)->finish(theta, true));
  const auto draws = e::read_npy_f32(f.dir.file("chain-3.npy"));
  REQUIRE(draws);
  const auto stats = e::read_draw_stats(f.dir.file("chain-3.stats.npy"));
  REQUIRE(stats);
  REQUIRE(stats->size() == draws->rows);
  REQUIRE(stats->size() == 2);
  CHECK((*stats)[0] == e::draw_stats{3, 13.0, 0.03, -1});
  CHECK((*stats)[1] == e::draw_stats{6, 16.0, 0.06, 2});
}
