#include "config_keys.hpp"

#include "config_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

namespace sgmc::tools::detail {
namespace {

std::string join_key(std::string_view section, std::string_view name) {
  return section.empty() ? std::string(name) : fmt::format("{}.{}", section, name);
}

/// Builds a key from a reader `read(node, full_name) -> expected<V>`, an accessor
/// `get(cfg) -> V&` (a generic lambda, so it serves const and non-const configs) and a writer
/// `write(const V&) -> std::string`.
template <class Read, class Get, class Write>
config_key make_key(std::string_view section, std::string_view name, Read read, Get get,
                    Write write) {
  const std::string full = join_key(section, name);
  config_key key;
  key.section = section;
  key.name = name;
  key.read = [=](const toml::node& node, engine::run_config& cfg) -> expected<void> {
    auto v = read(node, full);
    if (!v) return unexpected(v.error());
    auto& field = get(cfg);
    field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    return {};
  };
  key.write = [=](const engine::run_config& cfg) { return write(get(cfg)); };
  return key;
}

template <class Get>
config_key real_key(std::string_view s, std::string_view n, real_range r, Get get) {
  return make_key(
      s, n, [r](const toml::node& v, std::string_view k) { return read_real(v, k, r); }, get,
      [](double x) { return toml_real(x); });
}

template <class Get>
config_key int_key(std::string_view s, std::string_view n, int_range r, Get get) {
  return make_key(
      s, n, [r](const toml::node& v, std::string_view k) { return read_int(v, k, r); }, get,
      [](auto x) { return fmt::format("{}", x); });
}

template <class Get>
config_key bool_key(std::string_view s, std::string_view n, Get get) {
  return make_key(
      s, n, [](const toml::node& v, std::string_view k) { return read_bool(v, k); }, get,
      [](bool x) { return std::string(x ? "true" : "false"); });
}

template <class Get>
config_key string_key(std::string_view s, std::string_view n, Get get) {
  return make_key(
      s, n, [](const toml::node& v, std::string_view k) { return read_string(v, k); }, get,
      [](const std::string& x) { return toml_string(x); });
}

template <class Get>
config_key choice_key(std::string_view s, std::string_view n, std::vector<std::string_view> c,
                      Get get) {
  return make_key(
      s, n, [c](const toml::node& v, std::string_view k) { return read_choice(v, k, c); }, get,
      [](const std::string& x) { return toml_string(x); });
}

template <class Get>
config_key size_list_key(std::string_view s, std::string_view n, int_range r, Get get) {
  return make_key(
      s, n, [r](const toml::node& v, std::string_view k) { return read_size_list(v, k, r); }, get,
      [](const std::vector<std::size_t>& x) { return toml_size_list(x); });
}

template <class Get>
config_key real_list_key(std::string_view s, std::string_view n, real_range r, Get get) {
  return make_key(
      s, n, [r](const toml::node& v, std::string_view k) { return read_real_list(v, k, r); }, get,
      [](const std::vector<double>& x) { return toml_real_list(x); });
}

template <class Get>
config_key matrix_key(std::string_view s, std::string_view n, Get get) {
  return make_key(
      s, n, [](const toml::node& v, std::string_view k) { return read_real_matrix(v, k); }, get,
      [](const std::vector<std::vector<double>>& x) { return toml_real_matrix(x); });
}

/// The accessor of one engine::run_config member, for const and non-const configs alike.
#define SGMC_FIELD(member) \
  [](auto& c) -> auto& { return c.member; }

template <class Get>
config_key index_map_key(std::string_view s, std::string_view n, real_range r, Get get) {
  return make_key(
      s, n, [r](const toml::node& v, std::string_view k) { return read_index_map(v, k, r); }, get,
      [](const std::map<std::uint32_t, double>& x) { return toml_index_map(x); });
}

void add_protocol_keys(std::vector<config_key>& keys) {
  const std::string_view s = "protocol";
  keys.push_back(choice_key(s, "kind", {"none", "sync", "async", "ssp", "downpour", "elastic"},
                            SGMC_FIELD(protocol.kind)));
  const int_range count{1, 4096};
  keys.push_back(int_key(s, "workers", count, SGMC_FIELD(protocol.params.workers)));
  keys.push_back(int_key(s, "shards", int_range{1, 256}, SGMC_FIELD(protocol.params.shards)));
  keys.push_back(
      int_key(s, "push_every", k_positive_int32, SGMC_FIELD(protocol.params.push_every)));
  keys.push_back(
      int_key(s, "pull_every", k_positive_int32, SGMC_FIELD(protocol.params.pull_every)));
  keys.push_back(int_key(s, "staleness_bound", int_range{0, INT32_MAX},
                         SGMC_FIELD(protocol.params.staleness_bound)));
  keys.push_back(real_key(s, "elastic_rho", k_positive, SGMC_FIELD(protocol.params.elastic_rho)));
  keys.push_back(real_key(s, "elastic_alpha", real_range{0.0, 1.0, true, false},
                          SGMC_FIELD(protocol.params.elastic_alpha)));
  keys.push_back(
      int_key(s, "elastic_period", k_positive_int32, SGMC_FIELD(protocol.params.elastic_period)));
  keys.push_back(bool_key(s, "shard_data", SGMC_FIELD(protocol.params.shard_data)));
}

void add_staleness_keys(std::vector<config_key>& keys) {
  const std::string_view s = "staleness";
  auto read_delay = [](const toml::node& v, std::string_view k) -> expected<engine::delay_spec> {
    auto text = read_string(v, k);
    if (!text) return unexpected(text.error());
    return engine::parse_delay(*text);
  };
  keys.push_back(make_key(s, "delay", read_delay, SGMC_FIELD(staleness.delay),
                          [](const engine::delay_spec& d) { return toml_string(to_string(d)); }));
  keys.push_back(real_key(s, "latency_ms", k_non_negative, SGMC_FIELD(staleness.latency_ms)));
  keys.push_back(
      index_map_key(s, "link_latency_ms", k_non_negative, SGMC_FIELD(staleness.link_latency_ms)));
  keys.push_back(
      index_map_key(s, "stragglers", real_range{1.0, 1e6}, SGMC_FIELD(staleness.stragglers)));
}

void add_trace_keys(std::vector<config_key>& keys) {
  keys.push_back(bool_key("trace", "enabled", SGMC_FIELD(trace.enabled)));
}

void add_cluster_keys(std::vector<config_key>& keys) {
  const std::string_view s = "cluster";
  keys.push_back(bool_key(s, "data_channel", SGMC_FIELD(cluster.data_channel)));
  keys.push_back(int_key(s, "data_channel_min_bytes", k_non_negative_int,
                         SGMC_FIELD(cluster.data_channel_min_bytes)));
  keys.push_back(real_key(s, "data_channel_timeout_s", k_positive,
                          SGMC_FIELD(cluster.data_channel_timeout_s)));
}

void add_top_keys(std::vector<config_key>& keys) {
  keys.push_back(string_key("", "name", SGMC_FIELD(name)));
  keys.push_back(int_key("", "seed", k_non_negative_int, SGMC_FIELD(seed)));
}

void add_model_keys(std::vector<config_key>& keys) {
  const std::string_view s = "model";
  keys.push_back(choice_key(s, "kind", {"gaussian", "linreg", "logreg", "softmax", "mlp"},
                            SGMC_FIELD(model.kind)));
  keys.push_back(size_list_key(s, "layers", k_positive_int, SGMC_FIELD(model.layers)));
  keys.push_back(choice_key(s, "activation", {"relu", "tanh"}, SGMC_FIELD(model.activation)));
  keys.push_back(real_key(s, "prior_precision", k_positive, SGMC_FIELD(model.prior_precision)));
  keys.push_back(real_key(s, "noise_precision", k_positive, SGMC_FIELD(model.noise_precision)));
  keys.push_back(real_list_key(s, "mean", k_any_real, SGMC_FIELD(model.mean)));
  keys.push_back(matrix_key(s, "covariance", SGMC_FIELD(model.covariance)));
  keys.push_back(real_list_key(s, "variance", k_positive, SGMC_FIELD(model.variance)));
  keys.push_back(real_key(s, "grad_noise", k_non_negative, SGMC_FIELD(model.grad_noise)));
}

void add_data_file_keys(std::vector<config_key>& keys) {
  const std::string_view s = "data";
  keys.push_back(
      choice_key(s, "format", {"idx", "csv", "libsvm", "synthetic"}, SGMC_FIELD(data.format)));
  keys.push_back(string_key(s, "train_images", SGMC_FIELD(data.train_images)));
  keys.push_back(string_key(s, "train_labels", SGMC_FIELD(data.train_labels)));
  keys.push_back(string_key(s, "test_images", SGMC_FIELD(data.test_images)));
  keys.push_back(string_key(s, "test_labels", SGMC_FIELD(data.test_labels)));
  keys.push_back(string_key(s, "train", SGMC_FIELD(data.train)));
  keys.push_back(string_key(s, "test", SGMC_FIELD(data.test)));
  keys.push_back(bool_key(s, "header", SGMC_FIELD(data.header)));
  keys.push_back(
      int_key(s, "target_column", int_range{-1, 1 << 20}, SGMC_FIELD(data.target_column)));
  keys.push_back(int_key(s, "features", k_non_negative_int, SGMC_FIELD(data.features)));
  keys.push_back(int_key(s, "classes", k_non_negative_int, SGMC_FIELD(data.classes)));
  keys.push_back(choice_key(s, "standardize", {"auto", "none", "scale", "zscore"},
                            SGMC_FIELD(data.standardize)));
  keys.push_back(int_key(s, "train_limit", k_non_negative_int, SGMC_FIELD(data.train_limit)));
  keys.push_back(int_key(s, "test_limit", k_non_negative_int, SGMC_FIELD(data.test_limit)));
}

void add_data_synthetic_keys(std::vector<config_key>& keys) {
  const std::string_view s = "data";
  keys.push_back(
      choice_key(s, "generator", {"linreg", "logreg", "softmax"}, SGMC_FIELD(data.generator)));
  keys.push_back(int_key(s, "train_size", k_positive_int, SGMC_FIELD(data.train_size)));
  keys.push_back(int_key(s, "test_size", k_non_negative_int, SGMC_FIELD(data.test_size)));
  keys.push_back(
      int_key(s, "synthetic_features", k_positive_int, SGMC_FIELD(data.synthetic_features)));
  keys.push_back(real_key(s, "noise_std", k_non_negative, SGMC_FIELD(data.noise_std)));
  keys.push_back(int_key(s, "seed", k_non_negative_int, SGMC_FIELD(data.seed)));
}

void add_sampler_keys(std::vector<config_key>& keys) {
  const std::string_view s = "sampler";
  keys.push_back(choice_key(
      s, "kind",
      {"sgld", "sghmc", "sghmc-euler", "sghmc-exact", "sgld-fp", "psgld", "sgd", "sgd-momentum"},
      SGMC_FIELD(sampler.kind)));
  keys.push_back(real_key(s, "step_size", k_positive, SGMC_FIELD(sampler.step_size)));
  keys.push_back(int_key(s, "batch_size", k_positive_int, SGMC_FIELD(sampler.batch_size)));
  keys.push_back(real_key(s, "temperature", k_non_negative, SGMC_FIELD(sampler.temperature)));
  keys.push_back(real_key(s, "friction", k_non_negative, SGMC_FIELD(sampler.friction)));
  keys.push_back(real_key(s, "rmsprop_decay", real_range{0.0, 1.0, false, true},
                          SGMC_FIELD(sampler.rmsprop_decay)));
  keys.push_back(real_key(s, "rmsprop_eps", k_positive, SGMC_FIELD(sampler.rmsprop_eps)));
  keys.push_back(int_key(s, "fp_sgd_steps", k_non_negative_int, SGMC_FIELD(sampler.fp_sgd_steps)));
  keys.push_back(real_key(s, "fp_step_size", k_non_negative, SGMC_FIELD(sampler.fp_step_size)));
}

void add_schedule_keys(std::vector<config_key>& keys) {
  const std::string_view s = "sampler";
  keys.push_back(
      choice_key(s, "schedule", {"constant", "polynomial", "cyclical"}, SGMC_FIELD(schedule.kind)));
  keys.push_back(
      real_key(s, "step_size_offset", k_positive, SGMC_FIELD(schedule.step_size_offset)));
  keys.push_back(
      real_key(s, "step_size_decay", k_non_negative, SGMC_FIELD(schedule.step_size_decay)));
  keys.push_back(
      int_key(s, "step_size_cycles", k_positive_int, SGMC_FIELD(schedule.step_size_cycles)));
}

void add_run_keys(std::vector<config_key>& keys) {
  const std::string_view s = "run";
  keys.push_back(int_key(s, "steps", k_positive_int, SGMC_FIELD(run.steps)));
  keys.push_back(int_key(s, "burnin", k_non_negative_int, SGMC_FIELD(run.burnin)));
  keys.push_back(int_key(s, "thin", k_positive_int, SGMC_FIELD(run.thin)));
  keys.push_back(int_key(s, "eval_every", k_positive_int, SGMC_FIELD(run.eval_every)));
  keys.push_back(int_key(s, "chains", int_range{1, 256}, SGMC_FIELD(run.chains)));
  config_key seed = int_key(s, "seed", k_non_negative_int, SGMC_FIELD(seed));
  seed.write = nullptr;  // an alias of the top-level seed, written there
  keys.push_back(std::move(seed));
}

#undef SGMC_FIELD

std::vector<config_key> build_keys() {
  std::vector<config_key> keys;
  add_top_keys(keys);
  add_model_keys(keys);
  add_data_file_keys(keys);
  add_data_synthetic_keys(keys);
  add_sampler_keys(keys);
  add_schedule_keys(keys);
  add_run_keys(keys);
  add_protocol_keys(keys);
  add_staleness_keys(keys);
  add_trace_keys(keys);
  add_cluster_keys(keys);
  return keys;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = build_keys();
  return keys;
}

const config_key* find_key(std::string_view section, std::string_view name) {
  for (const auto& k : config_keys())
    if (k.section == section && k.name == name) return &k;
  return nullptr;
}

const std::vector<std::string_view>& config_sections() {
  static const std::vector<std::string_view> sections = {
      "model", "data", "sampler", "run", "protocol", "staleness", "trace", "cluster"};
  return sections;
}

bool is_future_section(std::string_view section) {
  constexpr std::string_view future[] = {"codec", "precision"};
  return std::find(std::begin(future), std::end(future), section) != std::end(future);
}

std::string suggest_key(std::string_view full_name) {
  const auto dot = full_name.rfind('.');
  const std::string_view leaf =
      dot == std::string_view::npos ? full_name : full_name.substr(dot + 1);
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, full_name.size() / 4) + 1;
  for (const auto& k : config_keys()) {
    const std::string full = k.full_name();
    std::size_t d = edit_distance(full_name, full);
    if (k.name == leaf) d = std::min<std::size_t>(d, 1);  // right key, wrong section
    if (d < best_d) best_d = d, best = full;
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean {}?)", best);
}

}  // namespace sgmc::tools::detail
