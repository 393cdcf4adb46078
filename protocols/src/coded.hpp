#pragma once
// `[codec]` on the protocols: a master or a worker wrapped so that the payloads it sends are
// encoded and the payloads it receives decoded (codec.hpp, docs/codecs.md). The state machines
// inside see plain floats; only what travels between them changes:
//   codec.push  worker → master: push.data (a gradient, or downpour's update), exchange.theta
//   codec.pull  master → worker: theta_reply.data (θ, or elastic's centre θ̃)
// Samples to the collector travel unencoded (they are the run's draws). A direction whose
// codec is identity sends plain floats; a receiver expecting an encoded payload refuses a
// plain one and the other way round (errc::protocol), as it refuses a malformed buffer.
//
// Random numbers (codec_key's stream, keyed by run.seed), one stream per message:
//   push      {seed, chain = (worker << 8) | shard, step = push.seq, codec}
//   exchange  {seed, chain = (worker << 8) | shard, step = exchange.step, codec}
//   params    {seed, chain = 2^31 | (worker << 8) | shard, step = version, codec}
// (steps: the low 32 bits; workers < 2^23 and shards ≤ 256, as the config allows.) topk's error
// feedback is kept per sender and receiver: a worker has one encoder per shard, a shard one per
// worker.
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"

#include <memory>

namespace sgmc::protocols::detail {

/// `inner` with setup's codec (codec.active() must be true).
std::unique_ptr<master> coded(std::unique_ptr<master> inner, const protocol_params& protocol,
                              const run_length& run, shard_id shard);
std::unique_ptr<worker> coded(std::unique_ptr<worker> inner, const protocol_params& protocol,
                              const run_length& run, std::size_t dim);

/// The random stream of a payload from worker to shard (a push at seq, an exchange at step).
core::rng_key push_codec_key(std::uint64_t seed, worker_id worker, shard_id shard,
                             std::uint64_t step);
/// The random stream of params from a shard to worker at version.
core::rng_key pull_codec_key(std::uint64_t seed, worker_id worker, shard_id shard,
                             version_t version);

}  // namespace sgmc::protocols::detail
