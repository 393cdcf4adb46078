// The declaration of every config key: section, name, type, range, description, and where its
// value lives in engine::run_config. The allowed names of each kind come from the module that
// owns them.
#include "config_key_builders.hpp"

#include <fmt/format.h>

#include <type_traits>

namespace sgmc::tools::detail {
namespace {

void add_protocol_keys(std::vector<config_key>& keys) {
  const std::string_view s = "protocol";
  using protocols::protocol_kind;
  constexpr std::string_view kind_doc =
      "`none`: `run.chains` independent chains in this process, no actors; any other kind "
      "runs master shards, workers and a collector";
  auto read_kind = [](const toml::node& v, std::string_view k) -> expected<protocol_kind> {
    auto text = read_choice(v, k, names(protocols::protocol_kind_names));
    if (!text) return unexpected(text.error());
    return protocols::parse_protocol_kind(*text);
  };
  keys.push_back(make_key(
      s, "kind", {"string", describe_choices(names(protocols::protocol_kind_names)), kind_doc},
      read_kind, SGMC_FIELD(protocol.params.kind),
      [](protocol_kind k) { return toml_string(protocols::to_string(k)); }));
  const int_range count{1, 4096};
  keys.push_back(int_key(s, "workers", count, SGMC_FIELD(protocol.params.workers),
                         "W, the workers; each computes gradients on its own minibatches"));
  keys.push_back(
      int_key(s, "shards", int_range{1, 256}, SGMC_FIELD(protocol.params.shards),
              "S, master shards: θ is split in S contiguous slices, one server actor each"));
  keys.push_back(int_key(s, "push_every", k_positive_int32, SGMC_FIELD(protocol.params.push_every),
                         "downpour: local steps per push of the accumulated update"));
  keys.push_back(int_key(s, "pull_every", k_positive_int32, SGMC_FIELD(protocol.params.pull_every),
                         "downpour: local steps per pull of the master's θ"));
  keys.push_back(int_key(s, "staleness_bound", int_range{0, INT32_MAX},
                         SGMC_FIELD(protocol.params.staleness_bound),
                         "ssp: a worker more than this many pushes ahead of the slowest waits"));
  keys.push_back(
      real_key(s, "elastic_rho", k_non_negative, SGMC_FIELD(protocol.params.elastic_rho),
               "elastic: ρ, the force −ρ(θ_i − θ̃) coupling a worker's chain to the centre (0: "
               "independent chains)"));
  keys.push_back(real_key(s, "elastic_alpha", real_range{0.0, 1.0, true, false},
                          SGMC_FIELD(protocol.params.elastic_alpha),
                          "elastic: α, the centre's move θ̃ += α(θ_i − θ̃) per exchange"));
  keys.push_back(int_key(s, "elastic_period", k_positive_int32,
                         SGMC_FIELD(protocol.params.elastic_period),
                         "elastic: local steps between two exchanges"));
  keys.push_back(bool_key(s, "shard_data", SGMC_FIELD(protocol.params.shard_data),
                          "each worker draws minibatches from its own disjoint part of the "
                          "training set (`false`: from all of it)"));
}

void add_staleness_keys(std::vector<config_key>& keys) {
  const std::string_view s = "staleness";
  auto read_delay = [](const toml::node& v, std::string_view k) -> expected<engine::delay_spec> {
    auto text = read_string(v, k);
    if (!text) return unexpected(text.error());
    return engine::parse_delay(*text);
  };
  keys.push_back(make_key(
      s, "delay",
      {"string", "none, fixed:K, uniform:A,B or exp:M (versions, or ms with the suffix ms)",
       "extra delay of every master answer or push"},
      read_delay, SGMC_FIELD(staleness.delay),
      [](const engine::delay_spec& d) { return toml_string(to_string(d)); }));
  keys.push_back(real_key(s, "latency_ms", k_delay_ms, SGMC_FIELD(staleness.latency_ms),
                          "every message between actors arrives this much later"));
  keys.push_back(index_map_key(s, "link_latency_ms", k_delay_ms,
                               SGMC_FIELD(staleness.link_latency_ms),
                               "extra latency of the messages to and from worker *index*, e.g"));
  keys.push_back(index_map_key(
      s, "stragglers", real_range{1.0, 1e6}, SGMC_FIELD(staleness.stragglers),
      "worker *index* takes *factor* times its measured compute time per gradient, e.g"));
}

void add_trace_keys(std::vector<config_key>& keys) {
  keys.push_back(bool_key("trace", "enabled", SGMC_FIELD(trace.enabled),
                          "record every message sent or received to `OUT/trace/NODE.trace` "
                          "([trace-format.md](trace-format.md)); distributed runs only"));
  auto read_endpoint = [](const toml::node& v, std::string_view k) -> expected<std::string> {
    auto text = read_string(v, k);
    if (!text) return unexpected(text.error());
    if (!text->empty() &&
        (text->rfind("tcp://", 0) != 0 || text->find(':', 6) == std::string::npos))
      return make_error(errc::invalid_config,
                        fmt::format("{} must be \"\" or tcp://HOST:PORT (got {})", k, *text));
    return *text;
  };
  keys.push_back(make_key(
      "trace", "publish",
      {"string", "\"\" or tcp://HOST:PORT",
       "also stream the records live to a `sgmc trace watch` listening there (ZeroMQ PUB; a "
       "slow or absent watcher never slows the run: records are dropped and counted); needs "
       "`enabled`"},
      read_endpoint, SGMC_FIELD(trace.publish),
      [](const std::string& x) { return toml_string(x); }));
}

// `[codec]`: a kind per direction, the hyperparameters shared by both (docs/codecs.md).
template <class T, class Read, class Write>
config_key codec_shared_key(std::string_view name, key_doc doc, Read read,
                            T protocols::codec_params::*member, Write write) {
  config_key key = make_key(
      "codec", name, std::move(doc),
      read, [member](auto& c) -> auto& { return c.protocol.params.codec.push.*member; }, write);
  key.read = [base = key.read, member](const toml::node& node,
                                       engine::run_config& cfg) -> expected<void> {
    if (auto r = base(node, cfg); !r) return r;
    cfg.protocol.params.codec.pull.*member = cfg.protocol.params.codec.push.*member;
    return {};
  };
  return key;
}

void add_codec_keys(std::vector<config_key>& keys) {
  const std::string_view s = "codec";
  using protocols::codec_kind;
  auto read_kind = [](const toml::node& v, std::string_view k) -> expected<codec_kind> {
    auto text = read_choice(v, k, names(protocols::codec_kind_names));
    if (!text) return unexpected(text.error());
    return protocols::parse_codec_kind(*text);
  };
  auto write_kind = [](codec_kind k) { return toml_string(protocols::to_string(k)); };
  const std::string kinds = describe_choices(names(protocols::codec_kind_names));
  keys.push_back(make_key(s, "push",
                          {"string", kinds,
                           "what a worker's pushes (gradients, downpour's updates) and "
                           "elastic exchanges become on the wire"},
                          read_kind, SGMC_FIELD(protocol.params.codec.push.kind), write_kind));
  keys.push_back(make_key(s, "pull",
                          {"string", kinds,
                           "what a master's params (θ, elastic's centre) become on "
                           "the wire"},
                          read_kind, SGMC_FIELD(protocol.params.codec.pull.kind), write_kind));
  const real_range unit{0.0, 1.0, true, false};
  auto real = [](real_range r) {
    return [r](const toml::node& v, std::string_view k) { return read_real(v, k, r); };
  };
  auto integer = [](int_range r) {
    return [r](const toml::node& v, std::string_view k) { return read_int(v, k, r); };
  };
  auto write_real = [](double x) { return toml_real(x); };
  auto write_int = [](auto x) { return fmt::format("{}", x); };
  using cp = protocols::codec_params;
  keys.push_back(codec_shared_key(
      "fraction",
      {"number", unit.describe(),
       "`random-sparse` (budget `fraction`): ρ, the expected fraction kept; `topk`: "
       "k = ⌈ρ·dim⌉ values kept"},
      real(unit), &cp::fraction, write_real));
  using protocols::sparse_budget;
  static constexpr const char* budget_names[] = {"fraction", "variance"};
  keys.push_back(codec_shared_key(
      "budget",
      {"string", describe_choices(names(budget_names)),
       "`random-sparse`: what fixes the keep probabilities, the expected fraction kept "
       "or the relative variance"},
      [](const toml::node& v, std::string_view k) -> expected<sparse_budget> {
        auto text = read_choice(v, k, names(budget_names));
        if (!text) return unexpected(text.error());
        return *text == "variance" ? sparse_budget::variance : sparse_budget::fraction;
      },
      &cp::budget,
      [](sparse_budget b) {
        return toml_string(b == sparse_budget::variance ? "variance" : "fraction");
      }));
  keys.push_back(codec_shared_key(
      "variance",
      {"number", k_positive.describe(), "`random-sparse` (budget `variance`): ε, Σ Var x̂ᵢ = ε‖x‖²"},
      real(k_positive), &cp::variance, write_real));
  using protocols::sparse_solver;
  static constexpr const char* solver_names[] = {"closed-form", "greedy"};
  keys.push_back(codec_shared_key(
      "solver",
      {"string", describe_choices(names(solver_names)),
       "`random-sparse`: Wangni et al.'s closed form for λ, or their greedy iteration"},
      [](const toml::node& v, std::string_view k) -> expected<sparse_solver> {
        auto text = read_choice(v, k, names(solver_names));
        if (!text) return unexpected(text.error());
        return *text == "greedy" ? sparse_solver::greedy : sparse_solver::closed_form;
      },
      &cp::solver,
      [](sparse_solver x) {
        return toml_string(x == sparse_solver::greedy ? "greedy" : "closed-form");
      }));
  const int_range iterations{1, 100};
  keys.push_back(
      codec_shared_key("greedy_iterations",
                       {"integer", iterations.describe(),
                        "`random-sparse` with solver `greedy`: at most this many passes"},
                       integer(iterations), &cp::greedy_iterations, write_int));
  keys.push_back(
      codec_shared_key("atoms",
                       {"number", k_positive.describe(),
                        "`atomo-entry`: s, the expected entries kept; `atomo-svd`: s, the expected "
                        "singular triplets kept per weight matrix"},
                       real(k_positive), &cp::atoms, write_real));
  const int_range bits{2, 16};
  keys.push_back(codec_shared_key(
      "bits", {"integer", bits.describe(), "`qsgd`: b, bits per value including the sign"},
      integer(bits), &cp::bits, write_int));
  const int_range bucket{1, k_max_width};
  keys.push_back(codec_shared_key("bucket_size",
                                  {"integer", bucket.describe(), "`qsgd`: values sharing one norm"},
                                  integer(bucket), &cp::bucket_size, write_int));
  const int_range fbits{-64, 64};
  keys.push_back(codec_shared_key(
      "fraction_bits",
      {"integer", fbits.describe(), "`fixed8`: f, a value is q·2^−f, q in [−128, 127]"},
      integer(fbits), &cp::fraction_bits, write_int));
  const int_range block{1, 65536};
  keys.push_back(codec_shared_key(
      "block_size", {"integer", block.describe(), "`bfp8`: values sharing one exponent"},
      integer(block), &cp::block_size, write_int));
}

void add_cluster_keys(std::vector<config_key>& keys) {
  const std::string_view s = "cluster";
  keys.push_back(bool_key(s, "data_channel", SGMC_FIELD(cluster.data_channel),
                          "payloads of at least `data_channel_min_bytes` to another node travel "
                          "over a ZeroMQ data channel beside CAF (one more TCP port per node); "
                          "`false`: every payload inside its CAF message"));
  keys.push_back(int_key(s, "data_channel_min_bytes", k_non_negative_int,
                         SGMC_FIELD(cluster.data_channel_min_bytes),
                         "the smallest payload (4 bytes per float) that takes the data channel; "
                         "smaller ones stay in their CAF message, which is faster for them"));
  keys.push_back(real_key(s, "data_channel_timeout_s", k_positive,
                          SGMC_FIELD(cluster.data_channel_timeout_s),
                          "how long a node waits for a payload whose control message has arrived; "
                          "then the run ends with `payload N (K floats) from node X did not arrive "
                          "within T s on the data channel tcp://...`"));
  keys.push_back(int_key(s, "data_channel_max_pending_mb", int_range{1, 1 << 20},
                         SGMC_FIELD(cluster.data_channel_max_pending_mb),
                         "MB of payloads that may wait in a node's data-channel inbox for their "
                         "messages; a payload beyond it, or waiting longer than "
                         "`data_channel_timeout_s`, is dropped and counted"));
  keys.push_back(real_key(s, "heartbeat_s", k_positive, SGMC_FIELD(cluster.heartbeat_s),
                          "every node sends a heartbeat on each of its connections this often"));
  keys.push_back(real_key(s, "connection_timeout_s", k_positive,
                          SGMC_FIELD(cluster.connection_timeout_s),
                          "a connection that received nothing (not even a heartbeat) this long is "
                          "closed and its peer counted as lost (a cut link, a vanished host); at "
                          "least twice `heartbeat_s`"));
  keys.push_back(int_key(s, "min_workers", k_non_negative_int, SGMC_FIELD(cluster.min_workers),
                         "`sgmc node master` starts the run once this many workers and the "
                         "collector joined; the others may join while it runs (not in "
                         "`elastic`); 0: every worker; at most `protocol.workers`"));
  keys.push_back(real_key(s, "collector_wait_s", k_non_negative,
                          SGMC_FIELD(cluster.collector_wait_s),
                          "the master: how long a run waits for a lost collector to rejoin (`sgmc "
                          "node collector` again on the same `--out`); then it ends with exit 2. "
                          "`0`: a lost collector ends the run at once. Not for `elastic`"));
  keys.push_back(int_key(s, "collector_buffer", int_range{1, 1 << 20},
                         SGMC_FIELD(cluster.collector_buffer),
                         "the master: samples each shard keeps until the collector acknowledges "
                         "them (to resend them to a collector that rejoins); when it is full the "
                         "shard waits for acknowledgements"));
  keys.push_back(bool_key(s, "tls", SGMC_FIELD(cluster.tls),
                          "TLS between the nodes with mutual authentication (CAF's OpenSSL "
                          "module), and CURVE on the data channel: every node needs "
                          "`certificate`, `key` and `ca` ([cluster.md](cluster.md#tls))"));
  keys.push_back(string_key(s, "certificate", SGMC_FIELD(cluster.certificate),
                            "`tls`: this node's certificate (PEM), signed by `ca`"));
  keys.push_back(
      string_key(s, "key", SGMC_FIELD(cluster.key), "`tls`: this node's private key (PEM)"));
  keys.push_back(string_key(s, "ca", SGMC_FIELD(cluster.ca),
                            "`tls`: the cluster's CA certificate (PEM); a peer whose certificate "
                            "it did not sign is refused"));
  auto pass = string_key(s, "passphrase", SGMC_FIELD(cluster.passphrase),
                         "`tls`: the passphrase of an encrypted `key`; never written to "
                         "`config.toml`");
  pass.write = [](const engine::run_config&) { return std::string("\"\""); };
  keys.push_back(std::move(pass));
}

void add_output_keys(std::vector<config_key>& keys) {
  keys.push_back(bool_key("output", "posterior_nc", SGMC_FIELD(output.posterior_nc),
                          "at the end of a run that succeeded, write the draws once more as "
                          "`OUT/posterior.nc`, ArviZ's netCDF layout ([outputs.md](outputs.md)); "
                          "`false` for runs too large to copy"));
  keys.push_back(bool_key("output", "posterior_flat", SGMC_FIELD(output.posterior_flat),
                          "`posterior.nc` holds one variable `theta [chain, draw, dim]` instead "
                          "of the model's named blocks (`W1`, `b1`, ...); `sgmc run --flat`"));
}

void add_top_keys(std::vector<config_key>& keys) {
  keys.push_back(string_key("", "name", SGMC_FIELD(name), "names the output folder `runs/<name>`"));
  keys.push_back(int_key("", "seed", k_non_negative_int, SGMC_FIELD(seed),
                         "seeds every random stream: initial θ, minibatches, noise (by chain and "
                         "step), synthetic data (unless `data.seed`)"));
}

void add_model_keys(std::vector<config_key>& keys) {
  const std::string_view s = "model";
  keys.push_back(enum_key(s, "kind", models::model_kind_names, models::parse_model_kind,
                          SGMC_FIELD(model.kind),
                          "the target; `gaussian` and `mixture` need no data"));
  keys.push_back(size_list_key(s, "layers", k_width, SGMC_FIELD(model.layers),
                               "`mlp`: layer widths, input to output; the first must equal the "
                               "data's features, the last its classes"));
  keys.push_back(enum_key(s, "activation", models::activation_names, models::parse_activation,
                          SGMC_FIELD(model.activation), "`mlp`: hidden-layer activation"));
  keys.push_back(real_key(s, "prior_precision", k_positive, SGMC_FIELD(model.prior_precision),
                          "λ of the Gaussian prior N(0, I/λ) on every weight"));
  keys.push_back(real_key(s, "noise_precision", k_positive, SGMC_FIELD(model.noise_precision),
                          "`linreg`: τ, the precision of y given x (1/σ²)"));
  keys.push_back(
      real_list_key(s, "mean", k_any_real, SGMC_FIELD(model.mean),
                    "`gaussian`: μ (required for `gaussian`; its length is the dimension)"));
  keys.push_back(matrix_key(s, "covariance", SGMC_FIELD(model.covariance), "`gaussian`: dense Σ"));
  keys.push_back(real_list_key(s, "variance", k_positive, SGMC_FIELD(model.variance),
                               "`gaussian`: diagonal Σ"));
  keys.push_back(real_key(s, "grad_noise", k_non_negative, SGMC_FIELD(model.grad_noise),
                          "`gaussian`, `mixture`: std of synthetic Gaussian noise added to every "
                          "minibatch gradient"));
  keys.push_back(real_list_key(s, "weights", k_positive, SGMC_FIELD(model.weights),
                               "`mixture`: w_k, one per component, normalised to sum 1"));
  keys.push_back(matrix_key(s, "means", SGMC_FIELD(model.means),
                            "`mixture`: μ_k, one row per component (required for `mixture`)"));
  keys.push_back(matrix_key(s, "variances", SGMC_FIELD(model.variances),
                            "`mixture`: diagonal Σ_k, one row per component"));
  keys.push_back(int_key(s, "init_component", int_range{-1, INT32_MAX},
                         SGMC_FIELD(model.init_component),
                         "`mixture`: every chain starts with an exact draw from this component; "
                         "-1: from the mixture"));
}

void add_data_file_keys(std::vector<config_key>& keys) {
  const std::string_view s = "data";
  keys.push_back(enum_key(s, "format", models::data_format_names, models::parse_data_format,
                          SGMC_FIELD(data.format), "how the data is read or made"));
  keys.push_back(string_key(s, "train_images", SGMC_FIELD(data.train_images),
                            "`idx`: training images (gzip or plain)"));
  keys.push_back(
      string_key(s, "train_labels", SGMC_FIELD(data.train_labels), "`idx`: training labels"));
  keys.push_back(
      string_key(s, "test_images", SGMC_FIELD(data.test_images),
                 "`idx`: test images; `\"\"` (with `test_labels = \"\"`) for no test set"));
  keys.push_back(string_key(s, "test_labels", SGMC_FIELD(data.test_labels), "`idx`: test labels"));
  keys.push_back(string_key(s, "train", SGMC_FIELD(data.train),
                            "`csv`, `libsvm`: the training file (required for these formats)"));
  keys.push_back(string_key(s, "test", SGMC_FIELD(data.test),
                            "`csv`, `libsvm`: the test file; `\"\"` for none"));
  keys.push_back(bool_key(s, "header", SGMC_FIELD(data.header), "`csv`: skip the first line"));
  keys.push_back(
      int_key(s, "target_column", int_range{-1, 1 << 20}, SGMC_FIELD(data.target_column),
              "`csv`: the target's column (-1: the last); the other columns are the features"));
  keys.push_back(int_key(s, "features", int_range{0, k_max_width}, SGMC_FIELD(data.features),
                         "`libsvm`: feature count (0: the largest index seen)"));
  keys.push_back(int_key(s, "classes", k_non_negative_int, SGMC_FIELD(data.classes),
                         "0: regression (`csv`/`libsvm`) or the file's own count (`idx`); >= 2: "
                         "classification with that many classes (`softmax` generator: 0 means 3)"));
  keys.push_back(enum_key(
      s, "standardize", models::standardize_mode_names, models::parse_standardize_mode,
      SGMC_FIELD(data.standardize),
      "feature scaling: `scale` divides by 255 (byte images), `zscore` uses the train set's mean "
      "and std for both sets, `auto` is `scale` for `idx` and `zscore` otherwise"));
  keys.push_back(int_key(s, "train_limit", k_non_negative_int, SGMC_FIELD(data.train_limit),
                         "use only the first rows of the train set (0: all)"));
  keys.push_back(int_key(s, "test_limit", k_non_negative_int, SGMC_FIELD(data.test_limit),
                         "use only the first rows of the test set (0: all)"));
}

void add_data_synthetic_keys(std::vector<config_key>& keys) {
  const std::string_view s = "data";
  keys.push_back(enum_key(s, "generator", models::synthetic_generator_names,
                          models::parse_synthetic_generator, SGMC_FIELD(data.generator),
                          "`synthetic`: x ~ N(0, I); y from a random linear model (Gaussian "
                          "noise, Bernoulli or categorical)"));
  keys.push_back(int_key(s, "train_size", int_range{1, k_max_rows}, SGMC_FIELD(data.train_size),
                         "`synthetic`: training rows"));
  keys.push_back(int_key(s, "test_size", int_range{0, k_max_rows}, SGMC_FIELD(data.test_size),
                         "`synthetic`: test rows"));
  keys.push_back(int_key(s, "synthetic_features", k_width, SGMC_FIELD(data.synthetic_features),
                         "`synthetic`: features"));
  keys.push_back(real_key(s, "noise_std", k_non_negative, SGMC_FIELD(data.noise_std),
                          "`synthetic` `linreg`: std of y given x"));
  keys.push_back(int_key(s, "seed", k_non_negative_int, SGMC_FIELD(data.seed),
                         "`synthetic`: seed of the generator (0: the run's `seed`)"));
}

void add_sampler_keys(std::vector<config_key>& keys) {
  const std::string_view s = "sampler";
  using samplers::sampler_kind;
  auto read_kind = [](const toml::node& v, std::string_view k) -> expected<sampler_kind> {
    auto text = read_choice(v, k, names(samplers::sampler_kind_names));
    if (!text) return unexpected(text.error());
    return samplers::parse_sampler_kind(*text);
  };
  keys.push_back(make_key(
      s, "kind", {"string", describe_choices(names(samplers::sampler_kind_names)), "the kernel"},
      read_kind, SGMC_FIELD(sampler.kind),
      [](sampler_kind k) { return toml_string(samplers::to_string(k)); }));
  keys.push_back(real_key(
      s, "step_size", k_positive, SGMC_FIELD(sampler.step_size),
      "ε (η for `sghmc`, h for `sghmc-euler`/`-exact`): the first step size of the schedule"));
  keys.push_back(int_key(s, "batch_size", k_positive_int, SGMC_FIELD(sampler.batch_size),
                         "rows per minibatch (random reshuffling, one permutation per epoch)"));
  keys.push_back(real_key(s, "temperature", k_non_negative, SGMC_FIELD(sampler.temperature),
                          "T: the injected noise variance is scaled by T (0: no noise)"));
  keys.push_back(real_key(s, "friction", k_non_negative, SGMC_FIELD(sampler.friction),
                          "`sghmc`: α; `sghmc-euler`/`-exact`: γ; `sgd-momentum`: 1 − momentum"));
  keys.push_back(real_key(s, "rmsprop_decay", real_range{0.0, 1.0, false, true},
                          SGMC_FIELD(sampler.rmsprop_decay),
                          "`psgld`: α of the running average of g²"));
  keys.push_back(
      real_key(s, "rmsprop_eps", k_positive, SGMC_FIELD(sampler.rmsprop_eps), "`psgld`: λ"));
  keys.push_back(int_key(s, "fp_sgd_steps", k_non_negative_int, SGMC_FIELD(sampler.fp_sgd_steps),
                         "`sgld-fp`: SGD steps of the mode search"));
  keys.push_back(real_key(s, "fp_step_size", k_non_negative, SGMC_FIELD(sampler.fp_step_size),
                          "`sgld-fp`: SGD step size (θ ← θ − (ε/2)∇Û); 0: use `step_size`"));
}

void add_schedule_keys(std::vector<config_key>& keys) {
  const std::string_view s = "sampler";
  using samplers::schedule_kind;
  constexpr std::string_view kind_doc =
      "ε_t: constant ε; polynomial a (b + t)^(−γ) with ε_0 = ε; cyclical "
      "(ε/2)[cos(π mod(t, ⌈K/M⌉)/⌈K/M⌉) + 1] with K = `run.steps`";
  auto read_kind = [](const toml::node& v, std::string_view k) -> expected<schedule_kind> {
    auto text = read_choice(v, k, names(samplers::schedule_kind_names));
    if (!text) return unexpected(text.error());
    return samplers::parse_schedule_kind(*text);
  };
  keys.push_back(make_key(
      s, "schedule", {"string", describe_choices(names(samplers::schedule_kind_names)), kind_doc},
      read_kind, SGMC_FIELD(schedule.kind),
      [](schedule_kind k) { return toml_string(samplers::to_string(k)); }));
  keys.push_back(real_key(s, "step_size_offset", k_positive, SGMC_FIELD(schedule.step_size_offset),
                          "`polynomial`: b"));
  keys.push_back(real_key(s, "step_size_decay", k_non_negative,
                          SGMC_FIELD(schedule.step_size_decay), "`polynomial`: γ"));
  keys.push_back(int_key(s, "step_size_cycles", k_positive_int,
                         SGMC_FIELD(schedule.step_size_cycles),
                         "`cyclical`: M, the number of cycles in the run"));
}

void add_run_keys(std::vector<config_key>& keys) {
  const std::string_view s = "run";
  keys.push_back(
      int_key(s, "steps", k_positive_int, SGMC_FIELD(run.steps), "sampler steps per chain"));
  keys.push_back(int_key(s, "burnin", k_non_negative_int, SGMC_FIELD(run.burnin),
                         "steps before the first draw"));
  keys.push_back(int_key(s, "thin", k_positive_int, SGMC_FIELD(run.thin),
                         "after burnin, every `thin`-th step is a draw: steps `burnin + thin`, "
                         "`burnin + 2·thin`, …; each chain writes ⌊(steps − burnin)/thin⌋ draws"));
  keys.push_back(int_key(s, "eval_every", k_positive_int, SGMC_FIELD(run.eval_every),
                         "a metrics record every `eval_every` steps and after the last step"));
  keys.push_back(
      int_key(s, "chains", int_range{1, 256}, SGMC_FIELD(run.chains),
              "independent chains (chain K uses the streams of `seed` and K), run in parallel"));
  keys.push_back(
      real_key(s, "checkpoint_every", k_non_negative, SGMC_FIELD(run.checkpoint_every),
               "seconds between two checkpoints of the master to RUN_DIR/checkpoint "
               "(protocol runs; sharded: sync only; in sgmc node the collector writes it "
               "to its --out); 0: none. See "
               "docs/cluster.md, \"Checkpoints and resuming\""));
  config_key seed =
      int_key(s, "seed", k_non_negative_int, SGMC_FIELD(seed), "the same as the top-level `seed`");
  seed.alias = true;  // another name of the top-level seed, written there
  keys.push_back(std::move(seed));
}

}  // namespace

std::vector<config_key> build_config_keys() {
  std::vector<config_key> keys;
  add_top_keys(keys);
  add_model_keys(keys);
  add_data_file_keys(keys);
  add_data_synthetic_keys(keys);
  add_sampler_keys(keys);
  add_schedule_keys(keys);
  add_precision_keys(keys);
  add_run_keys(keys);
  add_protocol_keys(keys);
  add_staleness_keys(keys);
  add_codec_keys(keys);
  add_trace_keys(keys);
  add_cluster_keys(keys);
  add_sim_keys(keys);
  add_output_keys(keys);
  return keys;
}

}  // namespace sgmc::tools::detail
