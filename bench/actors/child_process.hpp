#pragma once
// A child copy of the running benchmark binary (/proc/self/exe ARGS...), for the servers of the
// cross-process benchmarks. The child prints one line on stdout when it is ready (its port or
// endpoint) and serves until its stdin reaches end of file. Destroying the handle closes that
// pipe and reaps the child, killing it if it has not exited within 5 s; the child also dies
// with its parent (PR_SET_PDEATHSIG), so no server outlives a crashed benchmark.
#include "sgmc/core/error.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace sgmc::bench {

class child_process {
 public:
  /// Starts the child and waits (at most 20 s) for its first line of output.
  static expected<child_process> spawn(const std::vector<std::string>& args);

  child_process(child_process&& o) noexcept;
  child_process& operator=(child_process&& o) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  /// The child's first line (without the newline).
  const std::string& ready_line() const { return ready_line_; }

 private:
  child_process() = default;
  void stop();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;   ///< write end of the child's stdin
  int stdout_fd_ = -1;  ///< read end of the child's stdout
  std::string ready_line_;
};

/// In the child: blocks until stdin reaches end of file (the parent closed it or died).
void wait_for_parent_eof();

}  // namespace sgmc::bench
