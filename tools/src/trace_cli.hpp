#pragma once
// `sgmc trace summary|staleness|export|watch`: the subcommands and what each prints
// (docs/tools.md). Part of the `sgmc` executable (it uses CLI11), not of the tools library.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace sgmc::tools {

struct trace_args {
  std::string run_dir;
  bool json = false;
  bool csv = false;
  std::string chrome;
  std::string from, to;
  std::uint64_t sample = 1;
  std::string address;
  std::uint64_t count = 0;
  double seconds = 0.0;
};

void add_trace_command(CLI::App& app, trace_args& args);

/// Runs the trace subcommand given on the command line; the exit code (0, or 2 on bad input).
int trace_command(CLI::App& app, const trace_args& args);

}  // namespace sgmc::tools
