#include "sgmc/tools/config_loader.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using sgmc::errc;
using sgmc::engine::run_config;
using sgmc::tools::apply_override;
using sgmc::tools::parse_config;
using sgmc::tools::to_toml;

namespace {

/// The error message of parsing `text` as exp.toml (with overrides), or "" when it parses.
std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  auto cfg = parse_config(text, "exp.toml", sets);
  return cfg ? std::string() : cfg.error().message;
}

}  // namespace

TEST_CASE("an empty config gives the documented defaults", "[config]") {
  auto cfg = parse_config("", "exp.toml");
  REQUIRE(cfg);
  const run_config defaults;
  CHECK(cfg->name == defaults.name);
  CHECK(cfg->seed == 1);
  CHECK(cfg->model.kind == sgmc::models::model_kind::mlp);
  CHECK(cfg->sampler.step_size == defaults.sampler.step_size);
  CHECK(cfg->run.steps == defaults.run.steps);
  auto sched = cfg->make_schedule();
  REQUIRE(sched);
  CHECK(sched->step_size() == cfg->sampler.step_size);
  CHECK(sched->total_steps() == cfg->run.steps);
}

TEST_CASE("config values land in the library parameter structs", "[config]") {
  auto cfg = parse_config(R"(
name = "demo"
seed = 7
[model]
kind = "mlp"
layers = [784, 50, 10]
prior_precision = 2
[data]
format = "csv"
train = "a.csv"
header = true
target_column = 0
[sampler]
kind = "sghmc"
step_size = 1e-5
batch_size = 32
schedule = "polynomial"
step_size_decay = 0.6
[run]
steps = 500
burnin = 100
thin = 10
chains = 2
[protocol]
kind = "none"
)",
                          "exp.toml");
  REQUIRE(cfg);
  CHECK(cfg->name == "demo");
  CHECK(cfg->seed == 7);
  CHECK(cfg->model.layers == std::vector<std::size_t>{784, 50, 10});
  CHECK(cfg->model.prior_precision == 2.0);
  CHECK(cfg->data.format == sgmc::models::data_format::csv);
  CHECK(cfg->data.header);
  CHECK(cfg->data.target_column == 0);
  CHECK(cfg->sampler.kind == sgmc::samplers::sampler_kind::sghmc);
  CHECK(cfg->sampler.step_size == 1e-5);
  CHECK(cfg->sampler.batch_size == 32);
  CHECK(cfg->schedule.kind == sgmc::samplers::schedule_kind::polynomial);
  CHECK(cfg->schedule.step_size_decay == 0.6);
  CHECK(cfg->make_schedule()->step_size() == 1e-5);
  CHECK(cfg->make_schedule()->total_steps() == 500);
  CHECK(cfg->run.chains == 2);
  CHECK(cfg->draws_per_chain() == 40);
}

TEST_CASE("an out-of-range value is one line naming file, key, rule and value", "[config]") {
  CHECK(error_of("[sampler]\nstep_size = -1\n") ==
        "exp.toml: sampler.step_size must be > 0 (got -1)");
  CHECK(error_of("[run]\nchains = 0\n") == "exp.toml: run.chains must be in [1, 256] (got 0)");
  CHECK(error_of("[sampler]\nrmsprop_decay = 1.0\n") ==
        "exp.toml: sampler.rmsprop_decay must be in [0, 1) (got 1.0)");
  CHECK(error_of("[model]\nlayers = [784, 0, 10]\n") ==
        "exp.toml: model.layers[1] must be in [1, 16777216] (got 0)");
  CHECK(error_of("[model]\nkind = \"cnn\"\n") ==
        "exp.toml: model.kind must be one of \"gaussian\", \"linreg\", \"logreg\", \"softmax\", "
        "\"mlp\" or \"mixture\" (got \"cnn\")");
}

TEST_CASE("a value of the wrong type names the expected type", "[config]") {
  CHECK(error_of("[sampler]\nstep_size = \"big\"\n") ==
        "exp.toml: sampler.step_size must be a number (got \"big\")");
  CHECK(error_of("[run]\nsteps = 10.5\n") == "exp.toml: run.steps must be an integer (got 10.5)");
  CHECK(error_of("[data]\nheader = 1\n") == "exp.toml: data.header must be true or false (got 1)");
  CHECK(error_of("[model]\nlayers = 3\n") ==
        "exp.toml: model.layers must be an array of integers (got 3)");
  CHECK(error_of("model = 3\n") == "exp.toml: model must be a table ([model])");
}

TEST_CASE("an unknown key is an error that suggests the nearest known key", "[config]") {
  CHECK(error_of("[sampler]\nstepsize = 1e-3\n") ==
        "exp.toml: unknown key sampler.stepsize (did you mean sampler.step_size?)");
  CHECK(error_of("[run]\nstep_size = 1e-3\n") ==
        "exp.toml: unknown key run.step_size (did you mean sampler.step_size?)");
  CHECK(error_of("[run]\nzzzzzzzz = 1\n") == "exp.toml: unknown key run.zzzzzzzz");
  CHECK(error_of("nme = \"x\"\n") == "exp.toml: unknown key nme (did you mean name?)");
}

TEST_CASE("unknown sections are rejected", "[config]") {
  CHECK(error_of("[modle]\nkind = \"mlp\"\n").find("exp.toml: unknown section [modle]") == 0);
  CHECK(error_of("[precision]\nweights = \"fp32\"\n").empty());
  CHECK(error_of("[codec]\npush = \"identity\"\n").empty());
  CHECK(error_of("[codec]\npush = \"zip\"\n").find("codec.push") != std::string::npos);
  CHECK(error_of("[protocol]\nkind = \"none\"\n").empty());
  CHECK(error_of("[protocol]\nkind = \"gossip\"\n").find("protocol.kind") != std::string::npos);
}

TEST_CASE("[precision] is read, checked against the sampler and protocol, and written back",
          "[config]") {
  auto cfg = parse_config(
      "[precision]\nweights = \"bfp8\"\nquantizer = \"naive\"\naccumulator = \"low\"\n"
      "fraction_bits = 4\nblock_size = 64\n",
      "exp.toml");
  REQUIRE(cfg.has_value());
  const auto& p = cfg->sampler.precision;
  CHECK(p.weights == sgmc::samplers::weights_format::bfp8);
  CHECK(p.quantizer == sgmc::samplers::quantizer_kind::naive);
  CHECK(p.accumulator == sgmc::samplers::accumulator_kind::low);
  CHECK(p.fraction_bits == 4);
  CHECK(p.block_size == 64);
  const auto text = to_toml(*cfg);
  CHECK(text.find("weights = \"bfp8\"") != std::string::npos);
  auto again = parse_config(text, "again.toml");
  REQUIRE(again.has_value());
  CHECK(again->sampler.precision.block_size == 64);
  CHECK(error_of("[precision]\nweights = \"int4\"\n").find("precision.weights") !=
        std::string::npos);
  CHECK(error_of("[precision]\nblock_size = 48\n").find("precision.block_size must be a power") !=
        std::string::npos);
  CHECK(error_of("[sampler]\nkind = \"sghmc\"\n[precision]\nweights = \"fixed8\"\n")
            .find("needs sampler.kind = \"sgld\"") != std::string::npos);
  CHECK(error_of("[precision]\nweights = \"fixed8\"\n[protocol]\nkind = \"async\"\n").empty());
  CHECK(error_of("[precision]\nweights = \"fixed8\"\n[protocol]\nkind = \"downpour\"\n")
            .find("precision.weights = \"fixed8\" runs with protocol.kind") != std::string::npos);
}

TEST_CASE("[codec] is read per direction, its hyperparameters shared, and written back",
          "[config]") {
  auto cfg = parse_config(
      "[protocol]\nkind = \"async\"\n[codec]\npush = \"qsgd\"\npull = \"bfp8\"\nbits = 4\n"
      "block_size = 16\nfraction = 0.25\nbudget = \"variance\"\nvariance = 0.5\n",
      "exp.toml");
  REQUIRE(cfg.has_value());
  const auto& c = cfg->protocol.params.codec;
  CHECK(c.push.kind == sgmc::protocols::codec_kind::qsgd);
  CHECK(c.pull.kind == sgmc::protocols::codec_kind::bfp8);
  for (const auto* p : {&c.push, &c.pull}) {
    CHECK(p->bits == 4);
    CHECK(p->block_size == 16);
    CHECK(p->fraction == 0.25);
    CHECK(p->budget == sgmc::protocols::sparse_budget::variance);
    CHECK(p->variance == 0.5);
  }
  const auto text = to_toml(*cfg);
  CHECK(text.find("[codec]") != std::string::npos);
  CHECK(text.find("push = \"qsgd\"") != std::string::npos);
  CHECK(text.find("budget = \"variance\"") != std::string::npos);
  auto again = parse_config(text, "again.toml");
  REQUIRE(again.has_value());
  CHECK(again->protocol.params.codec.pull.kind == sgmc::protocols::codec_kind::bfp8);
  CHECK(again->protocol.params.codec.pull.bits == 4);
}

TEST_CASE("[protocol], [staleness] and [trace] are read, checked and written back", "[config]") {
  auto cfg = parse_config(
      "[protocol]\nkind = \"ssp\"\nworkers = 3\nshards = 2\nstaleness_bound = 2\n"
      "[staleness]\ndelay = \"uniform:0,8\"\nlatency_ms = 1.5\nstragglers = { \"1\" = 3.0 }\n"
      "link_latency_ms = { \"2\" = 10.0 }\n[trace]\nenabled = false\n",
      "exp.toml");
  REQUIRE(cfg);
  CHECK(cfg->protocol.distributed());
  CHECK(cfg->protocol.params.kind == sgmc::protocols::protocol_kind::ssp);
  CHECK(cfg->protocol.params.workers == 3);
  CHECK(cfg->protocol.params.shards == 2);
  CHECK(cfg->protocol.params.staleness_bound == 2);
  CHECK(cfg->staleness.delay.dist == sgmc::engine::delay_spec::distribution::uniform);
  CHECK(cfg->staleness.delay.b == 8.0);
  CHECK(cfg->staleness.stragglers.at(1) == 3.0);
  CHECK(cfg->staleness.link_latency_ms.at(2) == 10.0);
  CHECK_FALSE(cfg->trace.enabled);
  // The resolved config reads back to the same values.
  auto again = parse_config(to_toml(*cfg), "resolved.toml");
  REQUIRE(again);
  CHECK(to_toml(*again) == to_toml(*cfg));
  CHECK(again->staleness.stragglers == cfg->staleness.stragglers);
}

TEST_CASE("bad [protocol] and [staleness] values name the key", "[config]") {
  CHECK(error_of("[staleness]\ndelay = \"fixed:-1\"\n").find("staleness.delay") !=
        std::string::npos);
  CHECK(error_of("[staleness]\ndelay = \"sometimes\"\n").find("staleness.delay") !=
        std::string::npos);
  CHECK(error_of("[staleness]\nstragglers = { \"one\" = 3.0 }\n").find("staleness.stragglers") !=
        std::string::npos);
  CHECK(error_of("[staleness]\nstragglers = { \"1\" = 0.5 }\n").find("staleness.stragglers") !=
        std::string::npos);
  CHECK(error_of("[protocol]\nkind = \"async\"\nworkers = 2\n[staleness]\n"
                 "stragglers = { \"5\" = 2.0 }\n")
            .find("staleness.stragglers") != std::string::npos);
  CHECK(error_of("[protocol]\nworkers = 0\n").find("protocol.workers") != std::string::npos);
  CHECK(error_of("[protocol]\nelastic_alpha = 1.5\n").find("protocol.elastic_alpha") !=
        std::string::npos);
  CHECK(error_of("[protocol]\nkind = \"async\"\n[run]\nchains = 2\n").find("run.chains") !=
        std::string::npos);
}

TEST_CASE("a TOML syntax error gives file:line:col", "[config]") {
  const std::string e = error_of("name = \"x\"\n[run]\nsteps = = 3\n");
  CHECK(e.rfind("exp.toml:3:", 0) == 0);
  CHECK(e.find("TOML syntax error") != std::string::npos);
}

TEST_CASE("checks across keys name both keys", "[config]") {
  CHECK(error_of("[run]\nsteps = 100\nburnin = 100\n") ==
        "exp.toml: run.burnin (100) must be < run.steps (100)");
  CHECK(error_of("[run]\nsteps = 100\nburnin = 50\nthin = 60\n").find("run.thin (60)") !=
        std::string::npos);
  CHECK(error_of("[model]\nkind = \"gaussian\"\n").find("model.mean must be given") !=
        std::string::npos);
  CHECK(error_of("[model]\nkind = \"gaussian\"\nmean = [0.0]\nvariance = [1.0]\n"
                 "covariance = [[1.0]]\n")
            .find("not both") != std::string::npos);
  CHECK(error_of("[model]\nkind = \"mixture\"\n").find("model.means must be given") !=
        std::string::npos);
  CHECK(error_of("[model]\ninit_component = -2\n").find("model.init_component") !=
        std::string::npos);
  CHECK(error_of("name = \"a/b\"\n").find("name must be") != std::string::npos);
  CHECK(error_of("[data]\nclasses = 1\n").find("data.classes") != std::string::npos);
  CHECK(error_of("seed = 1\n[run]\nseed = 2\n").find("disagree") != std::string::npos);
  CHECK(error_of("seed = 3\n[run]\nseed = 3\n").empty());
}

TEST_CASE("overrides given with --set are parsed as TOML values", "[config]") {
  auto cfg = parse_config("[sampler]\nstep_size = 1e-3\n", "exp.toml",
                          {"sampler.step_size=1e-5", "model.layers=[784,50,10]",
                           "model.kind=linreg", "data.train=/tmp/x.csv", "name=other",
                           "data.header=true", "run.seed=9", "data.test=\"quoted\""});
  REQUIRE(cfg);
  CHECK(cfg->sampler.step_size == 1e-5);
  CHECK(cfg->make_schedule()->step_size() == 1e-5);
  CHECK(cfg->model.layers == std::vector<std::size_t>{784, 50, 10});
  CHECK(cfg->model.kind == sgmc::models::model_kind::linreg);
  CHECK(cfg->data.train == "/tmp/x.csv");
  CHECK(cfg->data.test == "quoted");
  CHECK(cfg->name == "other");
  CHECK(cfg->data.header);
  CHECK(cfg->seed == 9);
}

TEST_CASE("a bare value that also parses as TOML still works for string keys", "[config]") {
  run_config cfg;
  REQUIRE(apply_override(cfg, "data.train=123"));
  CHECK(cfg.data.train == "123");
  REQUIRE(apply_override(cfg, "name=2024-01-01"));  // a TOML date, but name is a string
  CHECK(cfg.name == "2024-01-01");
}

TEST_CASE("errors in overrides name the --set argument and the key", "[config]") {
  CHECK(error_of("", {"sampler.stepsize=1"}) ==
        "--set sampler.stepsize=1: unknown key sampler.stepsize (did you mean sampler.step_size?)");
  CHECK(error_of("", {"sampler.step_size=-1"}) ==
        "--set sampler.step_size=-1: sampler.step_size must be > 0 (got -1)");
  CHECK(error_of("", {"sampler.step_size=abc"}) ==
        "--set sampler.step_size=abc: sampler.step_size must be a number (got \"abc\")");
  CHECK(error_of("", {"nosuch.key=1"}).find("unknown key nosuch.key") != std::string::npos);
  CHECK(error_of("", {"sampler.step_size"}).find("expected section.key=value") !=
        std::string::npos);
  CHECK(
      error_of("", {"precision.weights=x"}).find("--set precision.weights=x: precision.weights") ==
      0);
  // Checks across keys run after the overrides; an error only they bring names them.
  CHECK(error_of("", {"run.burnin=5000"}) ==
        "--set run.burnin=5000: run.burnin (5000) must be < run.steps (1000)");
}

TEST_CASE("the resolved config loads back to the same values", "[config]") {
  auto cfg = parse_config(R"(
name = "rt"
seed = 12345
[model]
kind = "gaussian"
mean = [0.1, -2.5, 3e-7]
covariance = [[1.0, 0.5, 0.0], [0.5, 2.0, 0.0], [0.0, 0.0, 0.3333333333333333]]
grad_noise = 0.25
activation = "tanh"
[data]
format = "libsvm"
standardize = "zscore"
generator = "softmax"
train = "with \"quotes\" and \\ backslash"
[sampler]
step_size = 1.2e-5
temperature = 0.1
schedule = "cyclical"
step_size_cycles = 3
[run]
steps = 77
thin = 7
)",
                          "exp.toml");
  REQUIRE(cfg);
  const std::string text = to_toml(*cfg);
  auto again = parse_config(text, "config.toml");
  INFO(text);
  REQUIRE(again);
  CHECK(to_toml(*again) == text);
  CHECK(again->model.mean == cfg->model.mean);
  CHECK(again->model.covariance == cfg->model.covariance);
  CHECK(again->data.train == cfg->data.train);
  CHECK(again->sampler.step_size == cfg->sampler.step_size);
  CHECK(again->schedule.kind == sgmc::samplers::schedule_kind::cyclical);
  CHECK(again->seed == 12345);
  CHECK(text.find("[protocol]\nkind = \"none\"") != std::string::npos);
  namespace m = sgmc::models;
  CHECK(again->model.kind == m::model_kind::gaussian);
  CHECK(again->model.activation == m::activation::tanh);
  CHECK(again->data.format == m::data_format::libsvm);
  CHECK(again->data.standardize == m::standardize_mode::zscore);
  CHECK(again->data.generator == m::synthetic_generator::softmax);
  for (const char* line : {"kind = \"gaussian\"", "activation = \"tanh\"", "format = \"libsvm\"",
                           "standardize = \"zscore\"", "generator = \"softmax\""})
    CHECK(text.find(line) != std::string::npos);
}

TEST_CASE("a mixture target's keys load back to the same values", "[config]") {
  auto cfg = parse_config(R"(
[model]
kind = "mixture"
weights = [0.3, 0.7]
means = [[-3.0, 0.5], [3.0, 0.0]]
variances = [[1.0], [0.5, 2.0]]
init_component = 0
grad_noise = 1.0
)",
                          "exp.toml");
  REQUIRE(cfg);
  const std::string text = to_toml(*cfg);
  auto again = parse_config(text, "config.toml");
  INFO(text);
  REQUIRE(again);
  CHECK(to_toml(*again) == text);
  CHECK(again->model.kind == sgmc::models::model_kind::mixture);
  CHECK(again->model.weights == std::vector<double>{0.3, 0.7});
  CHECK(again->model.means == cfg->model.means);
  CHECK(again->model.variances == cfg->model.variances);
  CHECK(again->model.init_component == 0);
}

TEST_CASE("the resolved config lists every key with its default", "[config]") {
  auto cfg = parse_config("", "exp.toml");
  REQUIRE(cfg);
  const std::string text = to_toml(*cfg);
  for (const char* line : {"seed = 1\n", "prior_precision = 1.0\n", "step_size = 0.0001\n",
                           "steps = 1000\n", "layers = [784, 100, 10]\n", "mean = []\n",
                           "schedule = \"constant\"\n", "step_size_cycles = 4\n"})
    CHECK(text.find(line) != std::string::npos);
}

TEST_CASE("docs/config.md documents every key with its default", "[config]") {
  std::ifstream in(std::string(SGMC_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(in);
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto cfg = parse_config("", "exp.toml");
  REQUIRE(cfg);
  std::istringstream resolved(to_toml(*cfg));
  std::string line, section;
  while (std::getline(resolved, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.size() - 2);
      CHECK(docs.find("## `[" + section + "]`") != std::string::npos);
      continue;
    }
    const std::string key = line.substr(0, line.find(" = "));
    const std::string value = line.substr(line.find(" = ") + 3);
    // The row of the key in its section's table: "| `key` | type | `default` | ...".
    const auto table = docs.find(section.empty() ? "## Top level" : "## `[" + section + "]`");
    const auto row = docs.find("| `" + key + "` |", table);
    INFO(section << "." << key << " = " << value);
    REQUIRE(row != std::string::npos);
    const std::string row_text = docs.substr(row, docs.find('\n', row) - row);
    if (value.size() < 40) CHECK(row_text.find("`" + value + "`") != std::string::npos);
  }
}

TEST_CASE("the data channel keys of [cluster] are read, and a bad value names its key",
          "[config]") {
  auto cfg = parse_config(
      "[cluster]\ndata_channel = false\ndata_channel_min_bytes = 0\n"
      "data_channel_timeout_s = 2.5\n",
      "exp.toml");
  REQUIRE(cfg);
  CHECK_FALSE(cfg->cluster.data_channel);
  CHECK(cfg->cluster.data_channel_min_bytes == 0);
  CHECK(cfg->cluster.data_channel_timeout_s == 2.5);
  auto again = parse_config(to_toml(*cfg), "resolved.toml");
  REQUIRE(again);
  CHECK(to_toml(*again) == to_toml(*cfg));

  CHECK(
      error_of("[cluster]\ndata_channel_min_bytes = -1\n").find("cluster.data_channel_min_bytes") !=
      std::string::npos);
  CHECK(
      error_of("[cluster]\ndata_channel_timeout_s = 0\n").find("cluster.data_channel_timeout_s") !=
      std::string::npos);
  CHECK(error_of("[cluster]\ndata_channel = \"yes\"\n").find("cluster.data_channel") !=
        std::string::npos);
  CHECK(error_of("[cluster]\ndata_chanel = true\n").find("data_channel") != std::string::npos);
}

TEST_CASE("latencies and delays beyond one hour are errors, not overflows", "[config]") {
  const std::string dist = "[protocol]\nkind = \"async\"\nworkers = 2\n[staleness]\n";
  CHECK(error_of(dist + "latency_ms = 1e13\n").find("staleness.latency_ms must be in [0, ") !=
        std::string::npos);
  CHECK(error_of(dist + "link_latency_ms = { \"1\" = 1e13 }\n").find("staleness.link_latency_ms") !=
        std::string::npos);
  CHECK(error_of(dist + "delay = \"fixed:1e13ms\"\n").find("at most 3600000 ms") !=
        std::string::npos);
  CHECK(error_of(dist + "delay = \"exp:1e13ms\"\n").find("staleness.delay") != std::string::npos);
  CHECK(error_of(dist + "delay = \"fixed:1e6\"\n").find("at most 1000 versions") !=
        std::string::npos);
  CHECK(error_of(dist + "latency_ms = 3600000\ndelay = \"fixed:3600000ms\"\n").empty());
}

TEST_CASE("seed and run.seed given by --set must agree", "[config]") {
  const std::string both = error_of("", {"seed=5", "run.seed=9"});
  CHECK(both.find("--set seed=5 and --set run.seed=9 disagree") != std::string::npos);
  CHECK(error_of("", {"seed=5", "run.seed=5"}).empty());
  CHECK(error_of("seed = 3\n", {"run.seed=9"}).empty());  // --set overrides the file
}

TEST_CASE("an error that only --set brings is blamed on --set, not the file", "[config]") {
  const std::string bad_value = error_of("", {"sampler.step_size=abc"});
  CHECK(bad_value.rfind("--set sampler.step_size=abc: sampler.step_size", 0) == 0);
  const std::string burnin = error_of("[run]\nsteps = 100\n", {"run.burnin=500"});
  CHECK(burnin.rfind("--set run.burnin=500: run.burnin (500) must be < run.steps", 0) == 0);
  const std::string friction = error_of("", {"sampler.kind=sghmc", "sampler.friction=5"});
  CHECK(friction.rfind("--set sampler.friction=5: sampler.friction", 0) == 0);
  // the file's own mistake stays the file's
  CHECK(error_of("[run]\nburnin = 5000\n", {"name=x"}).rfind("exp.toml: run.burnin", 0) == 0);
}

TEST_CASE("a directory given as the config is an error", "[config]") {
  auto cfg = sgmc::tools::load_config(SGMC_SOURCE_DIR);
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().message.find("it is a directory") != std::string::npos);
}

TEST_CASE("sizes too large for memory are range errors of their keys", "[config]") {
  CHECK(error_of("", {"data.synthetic_features=1000000000000"})
            .find("data.synthetic_features must be in [1, 16777216]") != std::string::npos);
  CHECK(error_of("", {"data.train_size=1000000000000"}).find("data.train_size must be in [1, ") !=
        std::string::npos);
  CHECK(error_of("", {"data.test_size=1000000000000"}).find("data.test_size") != std::string::npos);
  CHECK(error_of("", {"data.features=1000000000000"}).find("data.features") != std::string::npos);
  CHECK(error_of("", {"model.layers=[5,1000000000000,2]"}).find("model.layers[1] must be") !=
        std::string::npos);
  CHECK(error_of("", {"model.layers=[5,16777216,2]", "data.synthetic_features=16777216"}).empty());
}

TEST_CASE("protocol.kind is one enum, none by default", "[config]") {
  auto cfg = parse_config("", "exp.toml");
  REQUIRE(cfg);
  CHECK(cfg->protocol.params.kind == sgmc::protocols::protocol_kind::none);
  CHECK_FALSE(cfg->protocol.distributed());
  auto ssp = parse_config("[protocol]\nkind = \"ssp\"\n", "exp.toml");
  REQUIRE(ssp);
  CHECK(ssp->protocol.params.kind == sgmc::protocols::protocol_kind::ssp);
  CHECK(to_toml(*ssp).find("kind = \"ssp\"") != std::string::npos);
}
