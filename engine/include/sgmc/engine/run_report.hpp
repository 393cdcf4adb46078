#pragma once
// What a distributed run reports at its end: per-shard versions, per-worker gradients, the
// staleness of every applied update (count, mean, max and a histogram), draws and wall time.
// shard_report and worker_report travel from the actors to the run's supervisor (they have a
// free inspect() and are registered by register_runtime_messages, see atoms.hpp).
#include "sgmc/protocols/protocol.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sgmc::engine {

/// Staleness of applied updates. hist[k] counts updates of staleness k for k < kBuckets − 1;
/// the last bucket counts everything from kBuckets − 1 up.
struct staleness_stats {
  static constexpr std::size_t kBuckets = 33;
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t max = 0;
  std::vector<std::uint64_t> hist = std::vector<std::uint64_t>(kBuckets, 0);

  void add(std::uint64_t staleness);
  void merge(const staleness_stats& other);
  /// sum / count (0 when nothing was applied).
  double mean() const;
};

/// A master shard's account of its run, sent when it finishes.
struct shard_report {
  std::uint32_t shard = 0;
  std::uint64_t version = 0;
  staleness_stats staleness;
  std::vector<std::uint64_t> applied;  ///< updates applied per worker (index = worker id)
  /// Pushes and exchanges the shard rejected, per protocols::rejection_reason (by its code).
  std::vector<std::uint64_t> rejected{};
};

/// A worker's account of its run, sent when it finishes.
struct worker_report {
  std::uint32_t worker = 0;
  std::uint64_t gradients = 0;
};

/// A worker joining or leaving a run under way, `at_s` seconds after its start.
struct membership_event {
  enum class kind : std::uint8_t { joined, lost, rejoined };
  std::uint32_t worker = 0;
  kind what = kind::joined;
  double at_s = 0.0;
};

struct run_report {
  std::vector<std::uint64_t> versions;  ///< final version per master shard
  /// Gradients computed per worker, as each worker reported at its end (0 for a lost worker,
  /// which never reported: see `applied` for what it contributed).
  std::vector<std::uint64_t> gradients;
  /// Updates (pushes or exchanges) of each worker applied by the master: the largest count over
  /// the shards. Known for lost workers too; equals the applied pushes in the master's trace.
  std::vector<std::uint64_t> applied;
  std::vector<std::uint32_t> lost;    ///< ids of the workers lost during the run (and not back)
  std::vector<std::uint32_t> absent;  ///< ids of the workers that never joined the run
  /// Joins, losses and rejoins during the run, in time order (none for the workers there at
  /// the start and to the end).
  std::vector<membership_event> membership{};
  /// Pushes and exchanges rejected (never applied), summed over the shards, per
  /// protocols::rejection_reason (by its code); empty or zeros when none was.
  std::vector<std::uint64_t> rejected{};
  staleness_stats staleness;  ///< over all shards
  std::uint64_t draws = 0;    ///< complete draws handed to the sink
  double wall_seconds = 0.0;
};

/// One line: "versions 1000, updates applied 4000 (1000 1000 1000 1000), gradients 4000 (1000
/// 1000 1000 1000), staleness mean 2.1 max 7, draws 100, 1.20 s"; a lost worker's gradient
/// count reads "lost" and the line ends with "lost: worker 1" (the ids of the lost workers).
/// With more than 16 workers the counts are a range: "gradients 40960 (9 to 11 per worker)".
/// Rejected pushes add ", rejected 3 (non-finite 1, duplicate 2)" after the updates applied.
/// Workers that never joined: ", never joined: worker 3"; then the membership, one clause per
/// worker: "; worker 2 joined at 3.2 s; worker 1 lost at 5.0 s, rejoined at 9.1 s".
std::string describe(const run_report& s);

/// Merges a shard's per-worker applied counts into `applied` (the largest count per worker).
void merge_applied(std::vector<std::uint64_t>& applied, const std::vector<std::uint64_t>& shard);
/// Adds a shard's rejection counts (per reason) to `rejected`.
void merge_rejected(std::vector<std::uint64_t>& rejected, const std::vector<std::uint64_t>& shard);

template <class Inspector>
auto inspect(Inspector& f, staleness_stats& x) {
  return f(x.count, x.sum, x.max, x.hist);
}
template <class Inspector>
auto inspect(Inspector& f, shard_report& x) {
  return f(x.shard, x.version, x.staleness, x.applied, x.rejected);
}
template <class Inspector>
auto inspect(Inspector& f, worker_report& x) {
  return f(x.worker, x.gradients);
}

}  // namespace sgmc::engine
