#pragma once
// Reading a run's TOML config (plus `--set section.key=value` overrides) into a engine::run_config,
// and writing the fully resolved config back as TOML.
//
// Every failure is one line that names the file (or the --set argument) and the key:
//   "exp.toml: sampler.step_size must be > 0 (got -1)"
//   "exp.toml: unknown key sampler.stepsize (did you mean sampler.step_size?)"
//   "exp.toml:3:9: expected ... (TOML syntax error)"

#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sgmc::tools {

/// Reads the file at `path` and applies `overrides` ("section.key=value", in order).
expected<engine::run_config> load_config(const std::string& path,
                                         const std::vector<std::string>& overrides = {});

/// The same from TOML text; `source` names it in messages (usually the file name).
expected<engine::run_config> parse_config(std::string_view text, const std::string& source,
                                          const std::vector<std::string>& overrides = {});

/// Applies one override "section.key=value" (or "key=value" for top-level keys). The value is
/// read as a TOML value (1e-5, [784, 50, 10], "text", true); for string keys a bare word that
/// is not valid TOML is taken as the string itself.
expected<void> apply_override(engine::run_config& cfg, std::string_view assignment);

/// Checks what no single key can: burnin < steps, at least one draw, the name usable as a
/// folder, a gaussian target with a mean and one covariance, ...
expected<void> validate(const engine::run_config& cfg);

/// One key of the config table as documented (docs/config.md is checked against these).
struct key_info {
  std::string key;            ///< "sampler.step_size"; "seed" for top-level keys
  std::string type;           ///< "number", "integer", "string", "bool", "table", "array of ..."
  std::string default_value;  ///< TOML text of the default ("0.0001", "\"sgld\"", "[]")
  std::string range;        ///< allowed values ("> 0", "in [1, 256]", "sgld | sghmc | ..."), or ""
  std::string description;  ///< one line
  bool alias = false;       ///< another name of a key documented elsewhere (run.seed)
};

/// Every key of the config table, in the order of the resolved config.
std::vector<key_info> describe_keys();

/// The fully resolved config: every key with its effective value, defaults included. Loading
/// it with parse_config gives back the same engine::run_config.
std::string to_toml(const engine::run_config& cfg);

}  // namespace sgmc::tools
