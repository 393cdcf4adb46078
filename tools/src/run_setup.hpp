#pragma once
// What `sgmc run` and `sgmc node` share before anything runs: loading the data and the model,
// checking the sampler, preparing the output folder, and the actors' view of the config.
#include "sgmc/actors/embedded.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/models/model.hpp"
#include "sgmc/samplers/schedule.hpp"
#include "sgmc/tools/run_config.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace sgmc::tools::detail {

/// `e` with its message prefixed by `source` ("exp.toml: ...").
unexpected prefixed(const std::string& source, const error& e);

/// The training data (unless the target has none) and the model built on it.
struct problem {
  models::data_split data;
  std::unique_ptr<models::model> model;
};
expected<problem> load_problem(const run_config& cfg, const std::string& source);

/// Everything about the sampler that can fail, checked before any output is written; the
/// step-size schedule.
expected<samplers::schedule> check_sampler(const run_config& cfg, const models::model& m,
                                           const std::string& source);

/// Writes `text` to `path` (through a temporary file and a rename).
expected<void> write_text(const std::filesystem::path& path, const std::string& text);

/// Creates OUT/samples, removes the chain files (and, if `remove_traces`, the trace files) of an
/// earlier run, writes OUT/config.toml.
expected<void> prepare_output(const std::filesystem::path& out, const run_config& cfg,
                              bool remove_traces);

/// What the actors need from the config.
actors::embedded_setup embedded_setup_of(const run_config& cfg, const models::model& model,
                                         const samplers::schedule& sched);

}  // namespace sgmc::tools::detail
