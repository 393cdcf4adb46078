#pragma once
// What every master shard shares: its slice of θ, its version, the live workers, input checks,
// thinned samples to the collector and the end of the run. The protocols derive from it
// (sync_master.hpp, async_master.hpp, ssp_master.hpp, downpour_master.hpp, elastic_master.hpp).
//
// Samples (sync, async, ssp, downpour): after the update that brings the shard to version v,
// if v > run.burnin and (v − run.burnin) % run.thin == 0, the shard sends its slice of θ_v as
// draw d = (v − run.burnin)/run.thin − 1 of chain 0, with step = v and the potential of the
// last push applied. When v reaches run.steps the shard sends stop{"done"} to every live worker
// and to the collector and is finished; events after that are ignored.
#include "sgmc/protocols/master.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::protocols::detail {

class master_core : public master {
 public:
  explicit master_core(master_setup setup);

  expected<void> start(outbox& out) override;
  expected<void> on_push(const push& msg, outbox& out) override;
  expected<void> on_pull(const pull& msg, outbox& out) override;
  expected<void> on_exchange(const exchange& msg, outbox& out) override;
  expected<void> on_worker_lost(worker_id worker, outbox& out) override;
  expected<void> on_worker_joined(worker_id worker, outbox& out) override;
  expected<void> on_malformed(worker_id worker, std::uint64_t seq, bool exchange,
                              const std::string& detail, outbox& out) override;

  version_t version() const override { return version_; }
  std::span<const float> theta() const override { return theta_; }
  slice owned() const override { return slice_; }
  std::uint32_t live_workers() const override { return live_count_; }
  bool finished() const override { return finished_; }
  master_state save() const override;
  expected<void> restore(const master_state& state) override;
  std::array<std::uint64_t, kRejectionReasons> rejected() const override { return rejected_; }

 protected:
  /// The protocol's handlers, called after the common checks (not after the run finished).
  virtual expected<void> handle_push(const push& msg, outbox& out);
  virtual expected<void> handle_pull(const pull& msg, outbox& out);
  virtual expected<void> handle_exchange(const exchange& msg, outbox& out);
  virtual expected<void> handle_lost(worker_id worker, outbox& out) = 0;
  /// The protocol's part of on_worker_joined, after `worker` is live again (nothing by default).
  virtual expected<void> handle_joined(worker_id, outbox&) { return {}; }
  /// The answer to a push or exchange rejected for its payload (master.hpp): θ of the current
  /// version by default. `seq` is the push's seq or the exchange's step.
  virtual void answer_rejected(worker_id worker, std::uint64_t seq, bool exchange, outbox& out);
  /// The push kind the protocol expects.
  virtual push_kind expected_kind() const { return push_kind::gradient; }

  /// errc::protocol unless `worker` is a live worker of this run.
  expected<void> check_worker(worker_id worker, const char* what) const;
  /// errc::protocol unless `shard` is this shard.
  expected<void> check_shard(shard_id shard, const char* what, worker_id worker) const;
  /// The first reason to reject a push (`exchange` false) or exchange of `worker` at `seq`
  /// (an exchange's step), built on `version`, carrying `values` (nullopt: none).
  std::optional<rejection> screen(worker_id worker, std::uint64_t seq, version_t version,
                                  std::span<const float> values, bool exchange) const;
  /// Counts r, lists it in out.rejected and, for a payload refused for its content, answers.
  expected<void> reject(rejection r, std::uint64_t seq, bool exchange, outbox& out);
  /// One kernel step of the slice with gradient `grad`, at the current version:
  /// step_info{version, ε_version, {seed, 0, version, noise}, slice.offset}. errc::diverged
  /// when θ turns non-finite.
  expected<void> kernel_step(std::span<const float> grad);
  /// errc::diverged "diverged at version N ..." when the slice is not finite.
  expected<void> check_finite(const char* after) const;
  /// version + 1, then a sample if due and the end of the run when version == run.steps.
  void advance(outbox& out);
  void send_params(worker_id worker, outbox& out) const;
  /// stop{reason} to every live worker and the collector; finished.
  void finish(outbox& out, const std::string& reason);
  /// errc::protocol when no worker is left (the run cannot go on).
  expected<void> require_workers() const;
  std::string who() const;

  master_setup setup_;
  slice slice_;
  std::vector<float> theta_;
  version_t version_ = 0;
  std::vector<bool> live_;
  std::uint32_t live_count_ = 0;
  bool finished_ = false;
  double potential_;  ///< Û of the last push applied (NaN before)
  /// Per worker: the seq of its last accepted push (exchanges: step), nullopt before the first.
  std::vector<std::optional<std::uint64_t>> last_seq_;
  std::array<std::uint64_t, kRejectionReasons> rejected_{};
};

/// A slice of a full vector.
inline std::span<const float> slice_of(std::span<const float> full, const slice& s) {
  return full.subspan(s.offset, s.size);
}

}  // namespace sgmc::protocols::detail
