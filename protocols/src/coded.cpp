// A master or worker whose payloads travel encoded (coded.hpp).
#include "coded.hpp"

#include <fmt/format.h>

#include <map>
#include <utility>
#include <vector>

namespace sgmc::protocols::detail {
namespace {

constexpr std::uint32_t kPullBit = 0x80000000u;

std::uint32_t chain_of(worker_id worker, shard_id shard) {
  return static_cast<std::uint32_t>((worker << 8) | (shard & 0xffu));
}

// Encodes p.values in place: p.encoded holds the codec's bytes, p.values is emptied.
void encode_payload(encoder& enc, const core::rng_key& key, payload& p) {
  enc.encode(p.values, key, p.encoded);
  p.values = {};
}

// Decodes an encoded payload of `n` floats into `out` (a copy of the message's payload with
// the floats filled in). `what` names the message in errors.
expected<void> decode_payload(const codec_params& params, const payload& in, std::size_t n,
                              payload& out, const std::string& what) {
  if (in.encoded.empty()) {
    return make_error(errc::protocol,
                      fmt::format("{}: plain floats where codec {} was expected (the sender "
                                  "runs another [codec])",
                                  what, to_string(params.kind)));
  }
  if (!in.values.empty()) {
    return make_error(errc::protocol, fmt::format("{}: both floats and an encoded payload", what));
  }
  out.values.vec().resize(n);
  out.encoded = {};
  if (auto ok = decode(params, in.encoded, out.values.vec()); !ok) {
    return make_error(errc::protocol, fmt::format("{}: {}", what, ok.error().message));
  }
  return {};
}

// A plain payload where the direction's codec is identity: an encoded one is refused.
expected<void> check_plain(const payload& in, const std::string& what) {
  if (in.encoded.empty()) return {};
  return make_error(errc::protocol,
                    fmt::format("{}: an encoded payload where plain floats were expected (the "
                                "sender runs another [codec])",
                                what));
}

class coded_master final : public master {
 public:
  coded_master(std::unique_ptr<master> inner, const protocol_params& p, const run_length& run,
               shard_id shard)
      : inner_(std::move(inner)),
        codec_(p.codec),
        seed_(run.seed),
        slice_(inner_->owned()),
        shard_(shard) {}

  expected<void> start(outbox& out) override { return after(inner_->start(out), out); }

  expected<void> on_push(const push& msg, outbox& out) override {
    if (codec_.push.kind == codec_kind::identity) {
      if (auto ok = check_plain(msg.data, what("push", msg.worker)); !ok)
        return after(inner_->on_malformed(msg.worker, msg.seq, false, ok.error().message, out),
                     out);
      return after(inner_->on_push(msg, out), out);
    }
    push plain;
    plain.worker = msg.worker;
    plain.shard = msg.shard;
    plain.version = msg.version;
    plain.seq = msg.seq;
    plain.kind = msg.kind;
    plain.potential = msg.potential;
    if (auto ok = decode_payload(codec_.push, msg.data, slice_.size, plain.data,
                                 what("push", msg.worker));
        !ok)
      return after(inner_->on_malformed(msg.worker, msg.seq, false, ok.error().message, out), out);
    return after(inner_->on_push(plain, out), out);
  }

  expected<void> on_pull(const pull& msg, outbox& out) override {
    return after(inner_->on_pull(msg, out), out);
  }

  expected<void> on_exchange(const exchange& msg, outbox& out) override {
    if (codec_.push.kind == codec_kind::identity) {
      if (auto ok = check_plain(msg.theta, what("exchange", msg.worker)); !ok)
        return after(inner_->on_malformed(msg.worker, msg.step, true, ok.error().message, out),
                     out);
      return after(inner_->on_exchange(msg, out), out);
    }
    exchange plain;
    plain.worker = msg.worker;
    plain.shard = msg.shard;
    plain.step = msg.step;
    plain.version = msg.version;
    if (auto ok = decode_payload(codec_.push, msg.theta, slice_.size, plain.theta,
                                 what("exchange", msg.worker));
        !ok)
      return after(inner_->on_malformed(msg.worker, msg.step, true, ok.error().message, out), out);
    return after(inner_->on_exchange(plain, out), out);
  }

  expected<void> on_worker_lost(worker_id worker, outbox& out) override {
    encoders_.erase(worker);
    return after(inner_->on_worker_lost(worker, out), out);
  }
  expected<void> on_worker_joined(worker_id worker, outbox& out) override {
    encoders_.erase(worker);
    return after(inner_->on_worker_joined(worker, out), out);
  }
  expected<void> on_malformed(worker_id worker, std::uint64_t seq, bool exchange,
                              const std::string& detail, outbox& out) override {
    return after(inner_->on_malformed(worker, seq, exchange, detail, out), out);
  }

  version_t version() const override { return inner_->version(); }
  std::span<const float> theta() const override { return inner_->theta(); }
  slice owned() const override { return inner_->owned(); }
  std::uint32_t live_workers() const override { return inner_->live_workers(); }
  bool finished() const override { return inner_->finished(); }
  master_state save() const override { return inner_->save(); }
  expected<void> restore(const master_state& state) override { return inner_->restore(state); }
  std::array<std::uint64_t, kRejectionReasons> rejected() const override {
    return inner_->rejected();
  }

 private:
  std::string what(const char* type, worker_id w) const {
    return fmt::format("master shard {}: a {} from worker {}", shard_, type, w);
  }

  // Encodes the params the event sends (samples to the collector stay plain).
  expected<void> after(expected<void> r, outbox& out) {
    if (!r || codec_.pull.kind == codec_kind::identity) return r;
    for (auto& env : out.send) {
      auto* m = std::get_if<theta_reply>(&env.msg);
      if (m == nullptr || env.to.who != endpoint::role::worker) continue;
      auto it = encoders_.find(env.to.index);
      if (it == encoders_.end()) {
        auto made = encoder::make(codec_.pull, m->data.values.size());
        if (!made) return unexpected(made.error());
        it = encoders_.emplace(env.to.index, std::move(*made)).first;
      }
      encode_payload(it->second, pull_codec_key(seed_, env.to.index, m->shard, m->version),
                     m->data);
    }
    return r;
  }

  std::unique_ptr<master> inner_;
  codec_config codec_;
  std::uint64_t seed_;
  slice slice_;
  shard_id shard_;
  std::map<worker_id, encoder> encoders_;  ///< pull direction, one per worker (topk's residual)
};

class coded_worker final : public worker {
 public:
  coded_worker(std::unique_ptr<worker> inner, const protocol_params& p, const run_length& run,
               std::size_t dim)
      : inner_(std::move(inner)), codec_(p.codec), seed_(run.seed) {
    for (shard_id k = 0; k < p.shards; ++k) slices_.push_back(shard_slice(dim, p.shards, k));
  }

  expected<void> start(outbox& out) override { return after(inner_->start(out), out); }

  expected<void> on_theta_reply(const theta_reply& msg, outbox& out) override {
    const auto what = fmt::format("worker {}: params from shard {}", inner_->id(), msg.shard);
    if (codec_.pull.kind == codec_kind::identity || msg.shard >= slices_.size()) {
      // (an unknown shard is the inner worker's error to report)
      if (auto ok = check_plain(msg.data, what); !ok) return ok;
      return after(inner_->on_theta_reply(msg, out), out);
    }
    theta_reply plain;
    plain.shard = msg.shard;
    plain.version = msg.version;
    if (auto ok = decode_payload(codec_.pull, msg.data, slices_[msg.shard].size, plain.data, what);
        !ok)
      return ok;
    return after(inner_->on_theta_reply(plain, out), out);
  }

  expected<void> compute(outbox& out) override { return after(inner_->compute(out), out); }
  expected<void> on_stop(const stop& msg, outbox& out) override {
    return after(inner_->on_stop(msg, out), out);
  }
  worker_id id() const override { return inner_->id(); }
  std::span<const float> theta() const override { return inner_->theta(); }
  std::uint64_t computed() const override { return inner_->computed(); }
  expected<void> resume(std::uint64_t computed, std::span<const float> theta) override {
    return inner_->resume(computed, theta);
  }
  worker_chain save_chain() const override { return inner_->save_chain(); }
  expected<void> restore_chain(const worker_chain& chain) override {
    return inner_->restore_chain(chain);
  }
  bool finished() const override { return inner_->finished(); }

 private:
  // Encodes the pushes and exchanges the event sends.
  expected<void> after(expected<void> r, outbox& out) {
    if (!r || codec_.push.kind == codec_kind::identity) return r;
    for (auto& env : out.send) {
      if (auto* m = std::get_if<push>(&env.msg)) {
        auto enc = encoder_for(m->shard, m->data.values.size());
        if (!enc) return unexpected(enc.error());
        encode_payload(**enc, push_codec_key(seed_, m->worker, m->shard, m->seq), m->data);
      } else if (auto* x = std::get_if<exchange>(&env.msg)) {
        auto enc = encoder_for(x->shard, x->theta.values.size());
        if (!enc) return unexpected(enc.error());
        encode_payload(**enc, push_codec_key(seed_, x->worker, x->shard, x->step), x->theta);
      }
    }
    return r;
  }

  expected<encoder*> encoder_for(shard_id shard, std::size_t n) {
    if (encoders_.size() <= shard) encoders_.resize(shard + 1);
    auto& slot = encoders_[shard];
    if (!slot || slot->dim() != n) {
      auto made = encoder::make(codec_.push, n);
      if (!made) return unexpected(made.error());
      slot = std::make_unique<encoder>(std::move(*made));
    }
    return slot.get();
  }

  std::unique_ptr<worker> inner_;
  codec_config codec_;
  std::uint64_t seed_;
  std::vector<slice> slices_;
  std::vector<std::unique_ptr<encoder>> encoders_;  ///< push direction, one per shard
};

}  // namespace

core::rng_key push_codec_key(std::uint64_t seed, worker_id worker, shard_id shard,
                             std::uint64_t step) {
  return codec_key(seed, chain_of(worker, shard), step);
}

core::rng_key pull_codec_key(std::uint64_t seed, worker_id worker, shard_id shard,
                             version_t version) {
  return codec_key(seed, kPullBit | chain_of(worker, shard), version);
}

std::unique_ptr<master> coded(std::unique_ptr<master> inner, const protocol_params& protocol,
                              const run_length& run, shard_id shard) {
  return std::make_unique<coded_master>(std::move(inner), protocol, run, shard);
}

std::unique_ptr<worker> coded(std::unique_ptr<worker> inner, const protocol_params& protocol,
                              const run_length& run, std::size_t dim) {
  return std::make_unique<coded_worker>(std::move(inner), protocol, run, dim);
}

}  // namespace sgmc::protocols::detail
