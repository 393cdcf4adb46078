#pragma once
// What travels between master shards, workers and the collector: plain structs, each with a
// free inspect() (CAF's inspector protocol, which needs no CAF header here: `f(fields...)`).
// Float vectors travel as a `payload`, whose inspect() lives in actors/ (one raw block; CAF
// 0.17.6's element-wise float path is slow and mangles NaN, −0 and subnormals).
//
// Versions: every master shard counts the updates it applied (its version, from 0). A push
// names the shard version its gradient or update was built on; the staleness of an applied
// push is (shard version at apply time) − (push.version).
#include "sgmc/core/version.hpp"
#include "sgmc/protocols/float_values.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sgmc::protocols {

using worker_id = std::uint32_t;
using shard_id = std::uint32_t;
using version_t = std::uint64_t;

/// A slice of θ, a gradient or an update. One contiguous float buffer (a vector, or a buffer
/// adopted from the data channel without a copy: float_values.hpp), or, where `[codec]`
/// names a codec for the message's direction, what that codec made of it (`encoded`, with
/// `values` empty): the receiver decodes it (protocols/src/coded.hpp, docs/codecs.md).
struct payload {
  float_values values;
  std::vector<std::byte> encoded{};
};
inline bool operator==(const payload& a, const payload& b) {
  return a.values == b.values && a.encoded == b.encoded;
}

/// What a push carries.
enum class push_kind : std::uint8_t {
  gradient = 0,  ///< ∇Û(θ_version) on the shard's slice (sync, async, ssp)
  update = 1,    ///< an accumulated change Δθ of the slice (downpour)
};

/// worker → master shard: a gradient or an accumulated update of one shard's slice.
struct push {
  worker_id worker = 0;
  shard_id shard = 0;
  version_t version = 0;  ///< the shard version it was built on
  std::uint64_t seq = 0;  ///< the worker's push counter (its clock), from 0
  push_kind kind = push_kind::gradient;
  double potential = 0.0;  ///< Û(θ) of the minibatch (the same value on every shard's push)
  payload data;
};

/// worker → master shard: "send me your θ slice" (`have`: the version the worker holds).
struct pull {
  worker_id worker = 0;
  shard_id shard = 0;
  version_t have = 0;
};

/// master shard → worker: θ (or, in elastic, the centre θ̃) of one shard at a version, the
/// answer to a pull or a push. (Traces record it as type `params`, its name in the file format.)
struct theta_reply {
  shard_id shard = 0;
  version_t version = 0;
  payload data;
};

/// worker → master shard (elastic): the worker's own chain's slice after `step` local steps.
/// An exchange with step >= run.steps is the worker's last: the master answers it too, and is
/// finished once every live worker has sent its last.
struct exchange {
  worker_id worker = 0;
  shard_id shard = 0;
  std::uint64_t step = 0;  ///< the worker's local steps done
  version_t version = 0;   ///< the centre version of the worker's θ̃ (for staleness)
  payload theta;
};

/// master shard or elastic worker → collector: one thinned draw (or one shard's slice of it).
struct sample {
  std::uint32_t chain = 0;  ///< chain index (elastic: the worker; otherwise 0)
  std::uint64_t draw = 0;   ///< index of the draw in its chain, from 0
  std::uint64_t step = 0;   ///< master version (or the elastic worker's step) it was taken at
  shard_id shard = 0;
  std::uint64_t offset = 0;  ///< index of data.values[0] in the full θ
  double potential = 0.0;    ///< Û(θ) last seen (NaN when unknown)
  /// Staleness of the update that produced this version (−1: not applicable, e.g. an elastic
  /// worker's local step).
  std::int64_t staleness = -1;
  payload theta;
};

/// An elastic worker's chain at a checkpoint's cut (engine/checkpoint.hpp), taken between two
/// local steps: everything its next step depends on. Other protocols keep θ and the gradient
/// count only (their draws come from the master).
struct worker_chain {
  std::vector<float> theta;         ///< θ_i, the full vector
  std::vector<float> kernel_state;  ///< the local kernel's save_state() (SGHMC: momentum)
  std::uint64_t local_steps = 0;    ///< local steps done (the next step's noise key)
  std::uint64_t computed = 0;       ///< gradients computed (minibatch and gradient-noise keys)
  std::vector<float> centre;        ///< θ̃ last received, the full vector
  std::vector<version_t> centre_versions;  ///< per shard: the version of that centre
  /// Its exchange after `local_steps` was sent and the new centre has not arrived: a resumed
  /// worker sends that exchange again before its next step.
  bool pending = false;
  bool finished = false;  ///< its last exchange was sent: it takes no more steps
  friend bool operator==(const worker_chain&, const worker_chain&) = default;
};

/// node → master at start-up: who I am and what I run.
/// The version of the messages' wire format: what they carry and in which order. Raise it
/// whenever a message's fields change; a node whose hello names another is refused (the hello
/// is framed so that its version and sgmc's travel first and stay readable across versions:
/// actors/src/wire.cpp).
inline constexpr std::uint32_t kWireVersion = 6;

/// A data file a node reads: its `[data]` key ("train", "train_images", ...), its absolute path
/// on the node, and the SHA-256 of its bytes (64 lowercase hex digits).
struct data_file {
  std::string key;
  std::string path;
  std::string sha256;
  friend bool operator==(const data_file&, const data_file&) = default;
};

struct hello {
  std::string role;               ///< "worker" | "collector"
  worker_id worker = 0;           ///< requested worker index (workers), ignored otherwise
  std::uint64_t config_hash = 0;  ///< hash of the resolved config: nodes must agree
  std::uint64_t dim = 0;
  /// The node's data channel ("tcp://IP:PORT", where the master sends it payloads of at least
  /// cluster.data_channel_min_bytes; docs/cluster.md), or "" when it has none.
  std::string data;
  std::uint32_t wire_version = kWireVersion;   ///< the sender's kWireVersion
  std::string sgmc_version = core::version();  ///< the sender's sgmc ("0.1.0")
  /// The data files the node reads, digested (engine::admission compares them with the master's).
  std::vector<data_file> data_files{};
  /// A collector: per chain, the draws its samples files in --out already hold (what it would
  /// keep if it rejoins a running run); empty for workers and for a collector without files.
  std::vector<std::uint64_t> draws{};
};

/// master → node: accepted, with what the node must know.
struct welcome {
  worker_id worker = 0;
  std::uint64_t dim = 0;
  std::uint32_t shards = 1;
  std::uint32_t workers = 1;
  /// The run's id, which every node's trace header carries (bytes 0-7 and 8-15 of the 16-byte
  /// id, each read as a little-endian word).
  std::uint64_t run_id_lo = 0;
  std::uint64_t run_id_hi = 0;
  /// A run resumed from a checkpoint (`sgmc node master --resume`, engine/checkpoint.hpp): the
  /// master's version there; a worker's gradients computed and the full θ (workers only); the
  /// draws written per chain (the collector only, which cuts its files back to them).
  bool resumed = false;
  std::uint64_t resume_version = 0;
  std::uint64_t resume_computed = 0;
  std::vector<float> resume_theta{};
  std::vector<std::uint64_t> resume_draws{};
  /// elastic: the worker's chain at the checkpoint (workers only; worker_chain).
  worker_chain resume_chain{};
  /// A collector rejoining a running run (its predecessor was lost): it keeps the draws its
  /// hello counted instead of starting its files afresh.
  bool rejoin = false;
};

/// collector → every master shard: per chain, the number of draws (0..n−1) that are durably in
/// the samples files; a shard forgets the samples it keeps for resending below these counts.
struct draws_ack {
  std::vector<std::uint64_t> draws;
};

/// Ends a run (or a node's part in it), with the reason ("done", "master lost", ...).
struct stop {
  std::string reason;
};

template <class Inspector>
auto inspect(Inspector& f, push& x) {
  return f(x.worker, x.shard, x.version, x.seq, x.kind, x.potential, x.data);
}
template <class Inspector>
auto inspect(Inspector& f, pull& x) {
  return f(x.worker, x.shard, x.have);
}
template <class Inspector>
auto inspect(Inspector& f, theta_reply& x) {
  return f(x.shard, x.version, x.data);
}
template <class Inspector>
auto inspect(Inspector& f, exchange& x) {
  return f(x.worker, x.shard, x.step, x.version, x.theta);
}
template <class Inspector>
auto inspect(Inspector& f, sample& x) {
  return f(x.chain, x.draw, x.step, x.shard, x.offset, x.potential, x.staleness, x.theta);
}
template <class Inspector>
auto inspect(Inspector& f, hello& x) {
  return f(x.role, x.worker, x.config_hash, x.dim, x.data, x.wire_version, x.sgmc_version,
           x.data_files, x.draws);
}
template <class Inspector>
auto inspect(Inspector& f, data_file& x) {
  return f(x.key, x.path, x.sha256);
}
template <class Inspector>
auto inspect(Inspector& f, welcome& x) {
  return f(x.worker, x.dim, x.shards, x.workers, x.run_id_lo, x.run_id_hi, x.resumed,
           x.resume_version, x.resume_computed, x.resume_theta, x.resume_draws, x.resume_chain,
           x.rejoin);
}
template <class Inspector>
auto inspect(Inspector& f, worker_chain& x) {
  return f(x.theta, x.kernel_state, x.local_steps, x.computed, x.centre, x.centre_versions,
           x.pending, x.finished);
}
template <class Inspector>
auto inspect(Inspector& f, draws_ack& x) {
  return f(x.draws);
}
template <class Inspector>
auto inspect(Inspector& f, stop& x) {
  return f(x.reason);
}

}  // namespace sgmc::protocols
