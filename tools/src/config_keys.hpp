#pragma once
// The table of every config key `sgmc run` knows: where it lives (section.key), how to read it
// from TOML into a engine::run_config (type and range checked), and how to write its value back as
// TOML text for the resolved config. docs/config.md documents the same keys.

#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_config.hpp"

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sgmc::tools::detail {

/// One config key, declared once: where it lives, its documentation (type, allowed values,
/// description; the default is the value of a default engine::run_config), how to read it and
/// how to write it back. docs/config.md is checked against these (tests/tools/test_config.cpp).
struct config_key {
  std::string section;  ///< "" for top-level keys (name, seed)
  std::string name;
  std::string type;         ///< "number", "integer", "string", "bool", "array of integers", ...
  std::string range;        ///< allowed values: "> 0", "in [1, 256]", "sgld | sghmc | ..."; or ""
  std::string description;  ///< one line
  bool alias = false;       ///< another name of a key written elsewhere (run.seed): not written
  /// Reads and checks the value; the error message names the key, not the file.
  std::function<expected<void>(const toml::node&, engine::run_config&)> read;
  /// The value as TOML text.
  std::function<std::string(const engine::run_config&)> write;

  std::string full_name() const { return section.empty() ? name : section + "." + name; }
  /// The default value as TOML text: the value of a default engine::run_config.
  std::string default_text() const { return write(engine::run_config{}); }
};

/// Builds the table (config_table.cpp); config_keys() keeps the one copy.
std::vector<config_key> build_config_keys();

/// Every key, in the order the resolved config lists them.
const std::vector<config_key>& config_keys();

/// The key `section.name` ("" section for top-level), or nullptr.
const config_key* find_key(std::string_view section, std::string_view name);

/// Sections of the config file, in the order the resolved config writes them.
const std::vector<std::string_view>& config_sections();

/// True for sections that belong to later work ([staleness], [codec], ...).
bool is_future_section(std::string_view section);

/// " (did you mean sampler.step_size?)" for a near miss of `full_name`, or "".
std::string suggest_key(std::string_view full_name);

}  // namespace sgmc::tools::detail
