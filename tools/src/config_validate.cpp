// Checks across keys, after every key has been read (each key's own type and range are checked
// when it is read, in config_keys.cpp). Rules owned by a module are checked by that module
// (samplers::validate, the schedule, protocols::validate, engine::validate of the staleness);
// the loader adds the file or --set to the message.
#include "sgmc/tools/config_loader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sgmc::tools {
namespace {

unexpected invalid(std::string message) {
  return make_error(errc::invalid_config, std::move(message));
}

bool is_folder_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 200) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

expected<void> validate_run(const engine::run_params& run) {
  if (run.burnin >= run.steps)
    return invalid(fmt::format("run.burnin ({}) must be < run.steps ({})", run.burnin, run.steps));
  if (run.steps - run.burnin < run.thin)
    return invalid(
        fmt::format("run.thin ({}) leaves no draws: it must be <= run.steps - run.burnin ({})",
                    run.thin, run.steps - run.burnin));
  return {};
}

expected<void> validate_model(const models::model_params& model) {
  if (model.kind == models::model_kind::mlp && model.layers.size() < 2)
    return invalid(fmt::format("model.layers must list at least 2 widths, input to output (got {})",
                               model.layers.size()));
  if (model.kind == models::model_kind::mixture && model.means.empty())
    return invalid(
        "model.means must be given for kind = \"mixture\", one row per component (e.g. means "
        "= [[-3.0], [3.0]])");
  if (model.kind != models::model_kind::gaussian) return {};
  if (model.mean.empty())
    return invalid("model.mean must be given for kind = \"gaussian\" (e.g. mean = [0.0, 0.0])");
  if (!model.covariance.empty() && !model.variance.empty())
    return invalid(
        "give one of model.covariance and model.variance, not both (neither: unit "
        "variance)");
  return {};
}

expected<void> validate_protocol(const engine::run_config& cfg) {
  if (!cfg.protocol.distributed()) {
    if (cfg.run.checkpoint_every > 0)
      return invalid(
          "run.checkpoint_every needs a protocol (protocol.kind other than \"none\"): "
          "the master writes the checkpoints");
    return {};
  }
  const char* kind = protocols::to_string(cfg.protocol.params.kind);
  if (cfg.run.chains != 1)
    return invalid(fmt::format(
        "run.chains = {} runs independent chains in one process and needs protocol.kind = "
        "\"none\"; with protocol.kind = \"{}\" set run.chains = 1 ({})",
        cfg.run.chains, kind,
        cfg.protocol.params.kind == protocols::protocol_kind::elastic
            ? "elastic runs one chain per worker"
            : "the master's θ is the chain"));
  if (cfg.sampler.kind == samplers::sampler_kind::sgld_fp)
    return invalid(fmt::format(
        "sampler.kind = \"sgld-fp\" needs protocol.kind = \"none\" (got \"{}\")", kind));
  const auto pk = cfg.protocol.params.kind;
  if (cfg.sampler.precision.weights != samplers::weights_format::fp32 &&
      (pk == protocols::protocol_kind::downpour || pk == protocols::protocol_kind::elastic))
    return invalid(fmt::format(
        "precision.weights = \"{}\" runs with protocol.kind = \"none\", \"sync\", \"async\" or "
        "\"ssp\" (got \"{}\"): the 8-bit kernel owns θ between steps, and {} workers overwrite "
        "their θ with the master's",
        samplers::to_string(cfg.sampler.precision.weights), kind, kind));
  if (cfg.run.checkpoint_every > 0 && cfg.protocol.params.shards != 1 &&
      pk != protocols::protocol_kind::sync)
    return invalid(fmt::format(
        "run.checkpoint_every with protocol.shards = {} needs protocol.kind = \"sync\" (got "
        "\"{}\"): the shards of an asynchronous master (and elastic's centre shards) are at "
        "different versions, and no consistent cut of them is written",
        cfg.protocol.params.shards, kind));
  if (auto r = protocols::validate(cfg.protocol.params); !r) return r;
  return engine::validate(cfg.staleness, cfg.protocol.params.workers);
}

}  // namespace

expected<void> validate(const engine::run_config& cfg) {
  if (!is_folder_name(cfg.name))
    return invalid(
        fmt::format("name must be a non-empty folder name of letters, digits, '-', "
                    "'_' and '.' (got \"{}\")",
                    cfg.name));
  if (cfg.seed > static_cast<std::uint64_t>(INT64_MAX))
    return invalid(fmt::format("seed must be <= {} (got {})", INT64_MAX, cfg.seed));
  if (cfg.data.classes == 1)
    return invalid("data.classes must be 0 (regression) or >= 2 (classification) (got 1)");
  if (auto r = validate_run(cfg.run); !r) return r;
  if (auto r = validate_protocol(cfg); !r) return r;
  if (auto r = engine::validate(cfg.sim); !r) return r;
  if (auto r = samplers::validate(cfg.sampler); !r) return r;
  if (auto r = cfg.make_schedule(); !r) return unexpected(r.error());
  return validate_model(cfg.model);
}

}  // namespace sgmc::tools
