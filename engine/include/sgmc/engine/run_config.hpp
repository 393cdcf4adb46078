#pragma once
// The configuration of one `sgmc run`: the plain parameter structs of the libraries, filled from
// the TOML sections `[model]`, `[data]`, `[sampler]`, `[run]`, `[protocol]`, `[staleness]` and
// `[trace]`, `[cluster]` and `[sim]` (see docs/config.md), plus the
// run's own settings. Defaults live in the structs; the config loader only overrides them.

#include "sgmc/engine/sim_params.hpp"
#include "sgmc/engine/staleness.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <cstdint>
#include <string>

namespace sgmc::engine {

/// `[run]`: how long the chains run and which steps become draws.
struct run_params {
  std::uint64_t steps = 1000;      ///< sampler steps per chain (>= 1)
  std::uint64_t burnin = 0;        ///< steps discarded before the first draw (< steps)
  std::uint64_t thin = 1;          ///< keep every thin-th step after burnin (>= 1)
  std::uint64_t eval_every = 100;  ///< steps between two metrics records (>= 1)
  std::uint32_t chains = 1;        ///< independent chains, run in parallel (1..256)
  /// Seconds between two checkpoints of the master (engine/checkpoint.hpp); 0: none.
  double checkpoint_every = 0.0;
};

/// The protocol parameters of a run that runs no protocol by default (`protocol.kind = none`).
inline protocols::protocol_params default_protocol_params() {
  protocols::protocol_params p;
  p.kind = protocols::protocol_kind::none;
  return p;
}

/// `[protocol]`: `params.kind` none is the single-process run of independent chains; any other
/// kind runs master shards, workers and a collector (engine/run_plan.hpp).
struct protocol_config {
  protocols::protocol_params params = default_protocol_params();
  bool distributed() const { return params.kind != protocols::protocol_kind::none; }
};

/// `[trace]`: message traces of a distributed run (docs/trace-format.md).
struct trace_config {
  bool enabled = true;  ///< write OUT/trace/NODE.trace
  std::string publish;  ///< tcp://HOST:PORT: also stream the records to `sgmc trace watch`
};

/// `[output]`: what a run writes besides its live outputs (docs/outputs.md).
struct output_config {
  bool posterior_nc = true;     ///< write OUT/posterior.nc (ArviZ) at the end of the run
  bool posterior_flat = false;  ///< posterior.nc holds one theta [chain, draw, dim]
};

/// `[cluster]`: how the nodes of `sgmc node` carry payloads (docs/cluster.md).
struct cluster_config {
  bool data_channel = true;  ///< payloads of >= data_channel_min_bytes over ZeroMQ beside CAF
  std::uint64_t data_channel_min_bytes = 65536;
  double data_channel_timeout_s = 30.0;  ///< wait for a payload whose message has arrived
  std::uint64_t data_channel_max_pending_mb = 1024;  ///< the inbox's bound (payloads waiting)
  double heartbeat_s = 1.0;                          ///< BASP heartbeat interval of every node
  double connection_timeout_s = 15.0;  ///< a connection silent this long is closed (peer lost)
  /// The master starts once this many workers (and the collector) joined; the others may join
  /// during the run. 0: every worker (protocol.workers).
  std::uint64_t min_workers = 0;
  /// The master: how long a run waits for a lost collector to rejoin (0: it ends the run).
  double collector_wait_s = 60.0;
  /// The master: samples per shard kept until the collector acknowledges them (a full buffer
  /// makes the shard wait for acknowledgements).
  std::uint64_t collector_buffer = 4096;
  /// TLS between the nodes (CAF's OpenSSL module), each side verified against `ca`. Like every
  /// key here but `data_channel`, per node: out of the config hash (node_runner.cpp's
  /// shared_part), and `passphrase` is never written to a resolved config.
  bool tls = false;
  std::string certificate;  ///< this node's certificate (PEM), signed by `ca`
  std::string key;          ///< its private key (PEM)
  std::string ca;           ///< the cluster's CA certificate (PEM)
  std::string passphrase;   ///< of an encrypted `key`; "" for a plain one
};

/// Everything `sgmc run` needs. Each value is stored once: the schedule takes its first step
/// size from `sampler.step_size` and its length from `run.steps` (make_schedule()).
struct run_config {
  std::string name = "run";  ///< names the output folder runs/<name>
  std::uint64_t seed = 1;    ///< seeds every random stream (chains, batches, init, data)
  models::model_params model;
  models::data_params data;
  samplers::sampler_params sampler;
  samplers::schedule_params schedule;
  run_params run;
  protocol_config protocol;
  staleness_params staleness;
  trace_config trace;
  cluster_config cluster;
  sim_params sim;  ///< `sgmc simulate` only
  output_config output;

  /// The step-size schedule of `schedule` starting at `sampler.step_size` over `run.steps`.
  expected<samplers::schedule> make_schedule() const {
    return samplers::schedule::make(schedule, sampler.step_size, run.steps);
  }
  /// Draws each chain writes: one every `thin` steps after `burnin`.
  std::uint64_t draws_per_chain() const { return (run.steps - run.burnin) / run.thin; }
};

}  // namespace sgmc::engine
