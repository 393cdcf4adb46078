#pragma once
// `sgmc node master|worker|collector`: one node of a run over several processes (see
// actors/node.hpp and docs/cluster.md). Every node loads the same config (its [protocol] kind
// must not be "none"), builds the model and checks everything before touching OUT, then:
//   master     listens on --listen HOST:PORT, waits --wait seconds for the workers and the
//              collector, runs the master shards; writes OUT/config.toml, OUT/trace/master.trace
//   worker     connects to --connect HOST:PORT, runs worker --id I (or any free index); writes
//              OUT/trace/worker-I.trace
//   collector  connects likewise; writes OUT/config.toml, OUT/samples/chain-K.npy,
//              OUT/metrics.jsonl and OUT/trace/collector.trace exactly as `sgmc run` does
// (traces only with [trace] enabled). Status lines go to `log`.
#include "sgmc/core/error.hpp"
#include "sgmc/engine/admission.hpp"
#include "sgmc/engine/run_config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sgmc::tools {

/// The node's role: the engine's, whose names come from one table (engine/admission.hpp).
using engine::node_role;
using engine::to_string;

struct node_run_options {
  std::string source = "config";        ///< the config file's name, for messages
  std::string out_dir;                  ///< "" → runs/<name>
  std::string address;                  ///< --listen (master) or --connect (others): HOST:PORT
  std::optional<std::uint32_t> worker;  ///< --id (workers)
  double wait_s = 120.0;                ///< --wait (master): for every node to join
  double connect_timeout_s = 10.0;      ///< workers, collector: connect and hello
  unsigned threads = 0;                 ///< CAF scheduler threads (0: the node's default)
  bool quiet = false;                   ///< no progress lines
  bool live = false;                    ///< progress rewritten in place (a terminal)
  /// Master: --resume RUN_DIR, continue from RUN_DIR/checkpoint (docs/cluster.md); the output
  /// folder is then RUN_DIR.
  std::string resume;
  /// One status line, without a newline ("master listening on 127.0.0.1:7000").
  std::function<void(const std::string&)> log;
};

/// Runs one node to the end; returns its last status line ("done: versions ..."), or the
/// error (errc::diverged for a run that diverged; anything else is bad input, a peer, or a
/// timeout).
expected<std::string> run_node(node_role role, const engine::run_config& cfg,
                               const node_run_options& options);

}  // namespace sgmc::tools
