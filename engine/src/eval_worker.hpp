#pragma once
// Runs a chain's evaluator on its own thread, so that test-set predictions (tens of ms for an
// MLP on 10 000 rows) overlap with the chain's next steps instead of stalling them. The chain
// thread queues copies of θ; the worker adds draws to the predictive average and writes the
// metrics records, in the order they were queued. The queue is bounded: when evaluation falls
// behind, the chain waits (back-pressure), so memory stays small.

#include "sgmc/core/error.hpp"
#include "sgmc/engine/evaluator.hpp"
#include "sgmc/engine/metrics_writer.hpp"
#include "sgmc/engine/progress_sink.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

namespace sgmc::engine::detail {

class eval_worker {
 public:
  /// Starts the worker thread. All three must outlive this object.
  eval_worker(evaluator& eval, const metrics_writer& metrics, progress_sink& prog);
  ~eval_worker();
  eval_worker(const eval_worker&) = delete;
  eval_worker& operator=(const eval_worker&) = delete;

  /// Queues θ as a draw for the predictive average.
  void add_draw(std::span<const float> theta);
  /// Queues a metrics record: `meta` has every field but `values`, which the worker computes
  /// from θ (`theta_is_draw`: θ is the draw queued just before).
  void record(const metrics_record& meta, std::span<const float> theta, bool theta_is_draw);
  /// Waits until everything queued is done and stops the thread. Returns the first error of
  /// writing metrics.jsonl, if any. Idempotent.
  expected<void> finish();
  /// The values of the last record written (valid after finish()).
  const metric_list& last_values() const { return last_values_; }
  /// The first write error so far, if any (the chain stops on it).
  std::optional<error> failure();

 private:
  struct job {
    bool is_record = false;
    bool theta_is_draw = false;
    metrics_record meta;
    std::vector<float> theta;
  };
  static constexpr std::size_t k_max_queued = 4;

  void push(job j);
  void loop();
  void run(job& j);

  evaluator& eval_;
  const metrics_writer& metrics_;
  progress_sink& prog_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<job> queue_;
  bool closing_ = false;
  std::optional<error> failure_;
  metric_list last_values_;
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace sgmc::engine::detail
