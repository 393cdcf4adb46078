#include "eval_worker.hpp"

#include <tbb/task_arena.h>

namespace sgmc::engine::detail {

eval_worker::eval_worker(evaluator& eval, const metrics_writer& metrics, progress_sink& prog)
    : eval_(eval), metrics_(metrics), prog_(prog), thread_([this] { loop(); }) {}

eval_worker::~eval_worker() { (void)finish(); }

void eval_worker::add_draw(std::span<const float> theta) {
  job j;
  j.theta.assign(theta.begin(), theta.end());
  push(std::move(j));
}

void eval_worker::record(const metrics_record& meta, std::span<const float> theta,
                         bool theta_is_draw) {
  job j;
  j.is_record = true;
  j.theta_is_draw = theta_is_draw;
  j.meta = meta;
  j.theta.assign(theta.begin(), theta.end());
  push(std::move(j));
}

void eval_worker::push(job j) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < k_max_queued; });
  queue_.push_back(std::move(j));
  changed_.notify_all();
}

void eval_worker::loop() {
  // One thread for evaluation: the chain keeps TBB's workers for its steps.
  tbb::task_arena arena(1);
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    job j = std::move(queue_.front());
    lock.unlock();
    arena.execute([&] { run(j); });  // the evaluation itself runs unlocked
    lock.lock();
    queue_.pop_front();
    changed_.notify_all();
  }
}

void eval_worker::run(job& j) {
  if (!j.is_record) {
    eval_.add_draw(j.theta);
    prog_.set_headline(eval_.headline().label, eval_.headline_value());
    return;
  }
  j.meta.values = eval_.evaluate(j.theta, j.theta_is_draw);
  auto written = metrics_.write(j.meta);
  std::lock_guard lock(mutex_);
  last_values_ = j.meta.values;
  if (!written && !failure_) failure_ = written.error();
}

std::optional<error> eval_worker::failure() {
  std::lock_guard lock(mutex_);
  return failure_;
}

expected<void> eval_worker::finish() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (failure_) return unexpected(*failure_);
  return {};
}

}  // namespace sgmc::engine::detail
