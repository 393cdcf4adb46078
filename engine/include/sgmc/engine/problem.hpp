#pragma once
// What every run does before anything runs: load the data and build the model, check what
// the sampler will need, and prepare the output folder.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/run_config.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace sgmc::engine {

/// `e` with its message prefixed by `source` ("exp.toml: ...").
unexpected prefixed(const std::string& source, const error& e);

/// The training data (unless the target has none) and the model built on it; the test set
/// stays here, the model shares the training set.
struct problem {
  models::data_split data;
  std::unique_ptr<models::model> model;
};
expected<problem> load_problem(const run_config& cfg, const std::string& source);

/// The checks that need the model (batch size against the training set), before any output is
/// written; the step-size schedule. The sampler's own parameters are checked with the config.
expected<samplers::schedule> check_sampler(const run_config& cfg, const models::model& m,
                                           const std::string& source);

/// Writes `text` to `path` (through a temporary file and a rename; the OS error on failure).
expected<void> write_text(const std::filesystem::path& path, const std::string& text);

/// Creates OUT/samples, removes the chain files (and, if `remove_traces`, the trace files) of an
/// earlier run, writes `config_text` to OUT/config.toml.
expected<void> prepare_output(const std::filesystem::path& out, const std::string& config_text,
                              bool remove_traces);

}  // namespace sgmc::engine
