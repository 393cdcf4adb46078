#pragma once
// `sgmc plot RUN_DIR [--out DIR]`: runs the Python package's figure script,
//   python3 -m sgmc.plot RUN_DIR [--out DIR]      (python/sgmc/plot.py)
// with the repository's python/ folder first on PYTHONPATH, and passes its output through.
// The figures (PNG, matplotlib) go to RUN_DIR/plots/ or DIR; docs/tools.md lists them.
#include "sgmc/core/error.hpp"

#include <string>

namespace sgmc::tools {

struct plot_options {
  std::string run_dir;
  std::string out_dir;     ///< "" → RUN_DIR/plots
  std::string python;      ///< the interpreter; "" → /usr/bin/python3 if present, else python3
  std::string python_dir;  ///< the folder holding the sgmc package; "" → the source tree's
};

/// The script's exit status (0: figures written; 2: it rejected the run folder, having said why
/// on stderr). errc::invalid_argument when RUN_DIR is not a folder or the package is missing,
/// errc::io when the interpreter cannot be started or the script failed otherwise.
expected<int> plot(const plot_options& options);

}  // namespace sgmc::tools
