#pragma once
// A value set once from any thread and waited for: how a node's actors hand its outcome to the
// thread that started them.
#include <atomic>
#include <future>
#include <utility>

namespace sgmc::actors::detail {

/// A value set once from any thread (later sets are ignored) and waited for.
template <class T>
class once_result {
 public:
  void set(T value) {
    if (!set_.exchange(true)) promise_.set_value(std::move(value));
  }
  T get() { return future_.get(); }

 private:
  std::promise<T> promise_;
  std::future<T> future_ = promise_.get_future();
  std::atomic<bool> set_{false};
};

}  // namespace sgmc::actors::detail
