#pragma once
// A child process for system tests that run several `sgmc` processes at once: its stdout and
// stderr go to one pipe that the test reads line by line. Every wait is bounded and waits on an
// event (output arriving, the pipe closing at exit), never on a sleep; a child still running
// when its object goes away is killed (SIGKILL) and reaped, so a failing test leaves no process
// behind.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sgmc::tools::test {

class child_process {
 public:
  /// Starts argv[0] (a path) with the arguments argv[1..], in folder `cwd` (empty: this one's).
  explicit child_process(const std::vector<std::string>& argv, const std::string& cwd = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Reads output until a line containing `text` has arrived (returns that line), the child
  /// closed its output, or `timeout` passed (nullopt).
  std::optional<std::string> wait_for_line(const std::string& text,
                                           std::chrono::milliseconds timeout);
  /// Reads output until the child exits and returns its exit code; after `timeout` the child is
  /// killed and the result is -1 (also for a child ended by a signal).
  int wait_exit(std::chrono::milliseconds timeout);
  /// Sends `sig` to the child (if it still runs).
  void signal(int sig);

  /// Everything the child printed so far.
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  // Reads what is available within `timeout`; false once the pipe is closed or on timeout.
  bool read_some(std::chrono::milliseconds timeout);
  void reap(bool kill_first);

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;  ///< output_ before this offset is searched by wait_for_line
  int status_ = -1;
  bool exited_ = false;
};

/// Joins `argv` for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace sgmc::tools::test
