#pragma once
// The pure protocol layer's vocabulary: who a message goes to, what an event handler asks its
// driver to do (an outbox), the protocol parameters, and the staleness record of an applied
// update. Protocol objects know no CAF, no clock and no thread: a driver (the actors of
// actors/, a test script, later the simulator) delivers events to them and carries out their
// outboxes. See master.hpp, worker.hpp and collector.hpp for the state machines.
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/codec.hpp"
#include "sgmc/protocols/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sgmc::protocols {

/// `[protocol] kind`. `none` is the single-process run of independent chains (tools/), not a
/// protocol object: make_master/make_worker reject it.
enum class protocol_kind { none, sync, async, ssp, downpour, elastic };

/// The name of every protocol_kind, indexed by the enum: the one list of protocol names.
inline constexpr const char* protocol_kind_names[] = {"none", "sync",     "async",
                                                      "ssp",  "downpour", "elastic"};

/// Parses a name of protocol_kind_names (errc::invalid_config naming protocol.kind otherwise).
expected<protocol_kind> parse_protocol_kind(const std::string& name);
const char* to_string(protocol_kind kind);

/// `[codec]`: what the payloads of each direction become on the wire (docs/codecs.md). The
/// hyperparameters are shared; only the kinds differ per direction.
struct codec_config {
  codec_params push;  ///< worker → master: pushes (gradients, updates) and elastic exchanges
  codec_params pull;  ///< master → worker: params (θ, or elastic's centre θ̃)
  /// True when a payload of either direction is encoded (identity sends plain floats).
  bool active() const {
    return push.kind != codec_kind::identity || pull.kind != codec_kind::identity;
  }
};

/// `[protocol]` keys (defaults and ranges documented in docs/config.md).
struct protocol_params {
  protocol_kind kind = protocol_kind::async;
  std::uint32_t workers = 4;          ///< W >= 1
  std::uint32_t shards = 1;           ///< S >= 1 master shards; θ split in S contiguous slices
  std::uint32_t push_every = 1;       ///< downpour: local steps per push (>= 1)
  std::uint32_t pull_every = 1;       ///< downpour: local steps per pull (>= 1)
  std::uint32_t staleness_bound = 4;  ///< ssp: s
  double elastic_rho = 1.0;           ///< elastic: ρ >= 0, the coupling force −ρ(θ_i − θ̃)
  double elastic_alpha = 0.1;         ///< elastic: α in (0, 1], the centre's move per exchange
  std::uint32_t elastic_period = 10;  ///< elastic: τ local steps between exchanges (>= 1)
  bool shard_data = true;             ///< each worker draws from its own disjoint rows
  codec_config codec;                 ///< `[codec]`
};

/// Checks ranges; errc::invalid_config naming the key as `protocol.<key>`.
expected<void> validate(const protocol_params& params);
/// validate(params), and that θ of length dim can be split in params.shards slices of whole
/// kSliceAlign blocks: shards <= ⌈dim / 256⌉ (errc::invalid_config naming protocol.shards).
expected<void> validate(const protocol_params& params, std::size_t dim);

/// Run length and thinning, in the units of the protocol: master versions (applied updates)
/// for sync, async, ssp and downpour; each worker's local steps for elastic.
struct run_length {
  std::uint64_t steps = 1000;
  std::uint64_t burnin = 0;
  std::uint64_t thin = 1;
  std::uint64_t seed = 1;
};

/// steps >= 1, burnin < steps, thin >= 1 (errc::invalid_config naming `run.<key>`).
expected<void> validate(const run_length& run);

/// Shard slices start at multiples of this many elements (the samplers' kernel block).
inline constexpr std::size_t kSliceAlign = 256;

/// The slice of θ that shard k of S owns: [offset, offset + size). Slices are contiguous,
/// cover [0, dim), and start at multiples of kSliceAlign = 256 elements (so that a shard's noise
/// counters and kernel blocks line up with the unsharded chain's; see
/// samplers::step_info::offset): with B = ⌈dim / 256⌉ blocks, shard k owns blocks
/// [⌊Bk/S⌋, ⌊B(k+1)/S⌋), the last one cut at dim. When S > B some shards own no block and get
/// an empty slice: validate(params, dim) rejects such a configuration, and so does make_master.
/// k >= S gives {dim, 0}.
struct slice {
  std::size_t offset = 0;
  std::size_t size = 0;
  friend bool operator==(const slice&, const slice&) = default;
};
slice shard_slice(std::size_t dim, std::uint32_t shards, shard_id k);

/// The training rows worker i of W draws from, ascending: all N rows (shard_data false, or
/// W = 1), or block i of a fixed permutation π of [0, N) cut into W disjoint, near-equal
/// contiguous blocks [⌊Ni/W⌋, ⌊N(i+1)/W⌋). π is a Fisher–Yates shuffle from the Philox stream
/// {seed, kPartitionChain, 0, rng_stream::batch}, so every node computes the same partition.
/// i >= W gives no rows.
std::vector<std::uint32_t> worker_rows(std::size_t n, std::uint32_t workers, worker_id i,
                                       bool shard_data, std::uint64_t seed);

/// Philox streams of the protocols, all keyed by run.seed:
///   master shard kernel noise (sync, async, ssp)  {seed, 0, version, noise}, offset = slice
///   worker minibatches (samplers::minibatcher)    {seed, worker, epoch, batch}
///   worker synthetic gradient noise               {seed, worker, computed, grad_noise}
///   local kernel noise (downpour, elastic)        {seed, local_chain(worker), step, noise}
///   the data partition (worker_rows)              {seed, kPartitionChain, 0, batch}
/// where `computed` counts the worker's gradients from 0 and `step` its local steps from 0.
inline constexpr std::uint32_t kPartitionChain = 0xffffffffu;
inline constexpr std::uint32_t local_chain(worker_id worker) { return 1 + worker; }

/// An addressee: a master shard, a worker, or the collector.
struct endpoint {
  enum class role : std::uint8_t { master, worker, collector } who = role::master;
  std::uint32_t index = 0;  ///< the shard or worker index (0 for the collector)
  friend bool operator==(const endpoint&, const endpoint&) = default;
};
inline endpoint master_shard(shard_id k) { return {endpoint::role::master, k}; }
inline endpoint worker_at(worker_id i) { return {endpoint::role::worker, i}; }
/// (Named like the class collector of collector.hpp: spell that one `class collector` where
/// both are visible.)
inline endpoint collector() { return {endpoint::role::collector, 0}; }

using message = std::variant<push, pull, theta_reply, exchange, sample, stop>;

struct envelope {
  endpoint to;
  message msg;
};

/// One applied push (or elastic exchange), as every master records it. Staleness is the shard's
/// version when the update was applied minus the version it was built on (push.version; for an
/// exchange, the centre version the worker's θ̃ was from).
struct staleness_record {
  worker_id worker = 0;
  shard_id shard = 0;
  version_t built_on = 0;    ///< push.version
  version_t applied_at = 0;  ///< the shard's version when it was applied (before the step)
  std::uint64_t staleness() const { return applied_at - built_on; }
};

/// Why a master shard refused a push or an exchange without applying it (docs/protocols.md,
/// "Rejected pushes"). The codes are the order of rejection_reason_names.
enum class rejection_reason : std::uint8_t {
  non_finite,       ///< a value of the payload is NaN or ±inf
  wrong_dimension,  ///< the payload's length is not the shard's slice length
  malformed,        ///< an encoded payload its codec's decoder refused (or plain/encoded mixed)
  duplicate,        ///< the same (worker, seq) as the last one accepted (a replay)
  out_of_order,     ///< older than the worker's last accepted (seq, or an exchange's step)
  ahead,            ///< built on a version the shard has not reached
};
inline constexpr std::size_t kRejectionReasons = 6;
inline constexpr const char* rejection_reason_names[kRejectionReasons] = {
    "non-finite", "wrong dimension", "malformed", "duplicate", "out of order", "ahead"};
inline const char* to_string(rejection_reason r) {
  return rejection_reason_names[static_cast<std::size_t>(r)];
}

/// One refused push or exchange: never applied to θ, counted by the shard (master::rejected()).
struct rejection {
  worker_id worker = 0;
  shard_id shard = 0;
  rejection_reason reason = rejection_reason::non_finite;
  std::string detail;  ///< one line naming the message and what is wrong with it
};

/// What an event handler asks of its driver. Handlers append; the driver clears.
struct outbox {
  std::vector<envelope> send;             ///< messages to deliver, in order
  std::vector<staleness_record> applied;  ///< updates applied by this event (masters)
  std::vector<rejection> rejected;        ///< pushes or exchanges refused by this event (masters)
  bool compute = false;   ///< workers: call compute() when ready (after any injected delay)
  bool finished = false;  ///< this object's part of the run is over
  void clear() { *this = outbox{}; }
};

}  // namespace sgmc::protocols
