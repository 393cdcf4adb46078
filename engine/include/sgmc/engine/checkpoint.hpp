#pragma once
// Checkpoints: what a protocol run needs to continue after its process stopped (docs/cluster.md,
// "Checkpoints and resuming"). The master's state goes to RUN_DIR/checkpoint every
// `run.checkpoint_every` seconds, atomically (a temporary file, fsync, rename, fsync of the
// folder), so that the file is always a complete old checkpoint or a complete new one.
//
// File layout (little-endian):
//   "SGMCCKPT" (8 bytes) | format u32 = 2 | payload length u64 | payload | FNV-1a 64 of payload
// payload (format 2; format 1, still read, lacks the parts marked [2]):
//   config_hash u64 | config text (u64 length, bytes) | shards u32, then per shard:
//   version u64, potential f64, θ slice (u64 n, n × f32), kernel state (u64 n, n × f32),
//   [2] exchanged (u32 n, n × u64: elastic, per worker the step of its last exchange applied) |
//   workers u32, gradients computed per worker u64 | chains u32, draws written per chain u64 |
//   [2] worker chains u32 (elastic: one per worker, else 0), then per worker chain:
//   θ_i (u64 n, n × f32), kernel state (u64 n, n × f32), local steps u64, gradients computed
//   u64, centre θ̃ (u64 n, n × f32), centre versions (u32 n, n × u64), flags u8 (bit 0 pending,
//   bit 1 finished)
//
// sync, async, ssp, downpour: the draws of a chain written by version v are ⌊(v − burnin)/thin⌋
// for v > burnin (0 before): the collector writes a checkpoint only after it handed every draw
// up to v to the output, so the samples files hold at least that many rows; resume_outputs
// cuts them (and metrics.jsonl) back to the checkpoint, which makes a resumed run write no draw
// twice and lose none.
//
// elastic: the draws come from the workers' own chains, so the cut also holds every worker's
// chain (protocols::worker_chain). The master sends its part (the centre, its version and per
// worker the last exchange applied) to the collector, then asks every worker for its chain; each
// answers between two local steps on the link of its samples (chain_part), so its draws up to
// its cut reached the collector first. Chain i's draws are ⌊(n_i − burnin)/thin⌋ at its local
// step n_i, stored explicitly. An exchange the worker had sent and the master had applied at its
// cut is settled (the chain takes the master's centre); one the master had not applied stays
// pending and is sent again on resume. A chain holding a centre newer than the master's part
// (answers to exchanges after the master's cut) takes the master's centre as well.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/protocol.hpp"
#include "sgmc/protocols/worker.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sgmc::protocols {
template <class Inspector>
auto inspect(Inspector& f, master_state& x) {
  return f(x.version, x.theta, x.kernel_state, x.potential, x.exchanged);
}

}  // namespace sgmc::protocols

namespace sgmc::engine {

struct checkpoint {
  std::uint64_t config_hash = 0;
  std::string config;  ///< the resolved config (config.toml) the run was started with
  std::vector<protocols::master_state> shards;  ///< shard k at index k
  std::vector<std::uint64_t> computed;          ///< per worker: gradients computed
  std::vector<std::uint64_t> draws;             ///< per chain: draws written
  /// elastic: per worker, its chain at the cut (draws[i] = draws_at(run, local_steps)); empty
  /// in other protocols.
  std::vector<protocols::worker_chain> chains;
  /// The full θ (the shards' slices in order).
  std::vector<float> theta() const;
};

/// Draws a chain of `run` has written once the master reached version v.
std::uint64_t draws_at(const protocols::run_length& run, protocols::version_t v);

/// The bytes of a checkpoint file, and back. decode: errc::invalid_data naming `source` for a file
/// that is not a checkpoint, of another format version, truncated, or whose checksum fails.
std::string encode_checkpoint(const checkpoint& c);
expected<checkpoint> decode_checkpoint(std::string_view bytes, const std::string& source);

/// Writes `c` to `path` atomically (path.tmp, fsync, rename, fsync of the folder).
expected<void> write_checkpoint(const std::filesystem::path& path, const checkpoint& c);
/// Reads and decodes `path` (errc::io when it cannot be read).
expected<checkpoint> read_checkpoint(const std::filesystem::path& path);

/// errc::invalid_config unless `c` was written for `config` (hash and text): the message names
/// the first line that differs ("… has `steps = 2000` where this config has `steps = 3000`").
expected<void> check_config(const checkpoint& c, std::string_view config, std::uint64_t config_hash,
                            const std::string& source);

/// What a master shard actor sends its run's collector to have a checkpoint written: its state,
/// and the gradients each worker had computed (the highest push seq + 1 it saw).
/// With several shards every shard sends its part at the same version (shard 0 picks it).
struct checkpoint_request {
  protocols::master_state state;
  std::vector<std::uint64_t> computed;
  std::uint32_t shard = 0;
};
template <class Inspector>
auto inspect(Inspector& f, checkpoint_request& x) {
  return f(x.state, x.computed, x.shard);
}

/// What an elastic worker sends its run's collector when its master asks (the checkpoint `id`:
/// the master version of the request), between two local steps, after its samples.
struct chain_part {
  std::uint64_t id = 0;
  protocols::worker_id worker = 0;
  protocols::worker_chain chain;
};
template <class Inspector>
auto inspect(Inspector& f, chain_part& x) {
  return f(x.id, x.worker, x.chain);
}

/// Writes the checkpoints of one run: `path`, the config (text and hash) and run length fixed.
/// The collector calls write() once every draw up to the request's version was handed on.
/// With `shards` > 1 write() keeps each shard's part and writes the file once every shard has
/// sent its part of one version (a consistent cut: each shard's samples up to it arrived first);
/// parts of older versions still incomplete are dropped. Only the collector actor calls it.
/// With `worker_chains` (elastic, one shard, chains = workers) the file is written once the
/// master's part and every worker's chain_part of the same id arrived, a worker that finished
/// (worker_done) counting as its final chain; parts of older ids are dropped.
class checkpoint_writer {
 public:
  checkpoint_writer(std::filesystem::path path, std::string config, std::uint64_t config_hash,
                    protocols::run_length run, std::uint32_t chains, std::uint32_t shards = 1,
                    bool worker_chains = false);
  expected<void> write(const checkpoint_request& r) const;
  /// elastic: one worker's chain at checkpoint p.id.
  expected<void> write_chain(const chain_part& p) const;
  /// elastic: worker `w` is done (its done report, after its samples) or lost, with `draws`
  /// draws of its chain handed on: every later checkpoint counts it finished there.
  expected<void> worker_done(protocols::worker_id w, std::uint64_t draws) const;
  bool worker_chains() const { return worker_chains_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string config_;
  std::uint64_t hash_;
  protocols::run_length run_;
  std::uint32_t chains_;
  std::uint32_t shards_;
  mutable std::vector<std::optional<checkpoint_request>> parts_;  // by shard, one version
  bool worker_chains_;
  mutable std::vector<std::optional<chain_part>> chains_parts_;   // by worker, id of parts_[0]
  mutable std::vector<std::optional<std::uint64_t>> done_draws_;  // by worker, once done
  mutable std::uint64_t id_ = 0;                                  // the newest id seen
  expected<void> try_write_chains() const;
};

}  // namespace sgmc::engine

namespace sgmc::engine {

/// Cuts the metrics file at `path` back to a checkpoint at `step`: keeps the records of steps
/// <= step (a missing file is left missing). Records the run had not written when it stopped
/// are not made up. With `chain_steps` (elastic: each chain's local step at the cut) a record
/// of chain K is kept when its step <= chain_steps[K] instead.
expected<void> resume_metrics(const std::filesystem::path& path, std::uint64_t step,
                              const std::vector<std::uint64_t>& chain_steps = {});

}  // namespace sgmc::engine
