#include "child_process.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sgmc::tools::test {
namespace {

using clock_type = std::chrono::steady_clock;

int millis_left(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

child_process::child_process(const std::vector<std::string>& argv, const std::string& cwd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid_ < 0) {
    ::close(fds[0]);
    return;
  }
  fd_ = fds[0];
}

child_process::~child_process() {
  reap(true);
  if (fd_ >= 0) ::close(fd_);
}

bool child_process::read_some(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n <= 0) return false;
  std::array<char, 4096> buf{};
  const auto got = ::read(fd_, buf.data(), buf.size());
  if (got <= 0) {
    if (got < 0 && errno == EINTR) return true;
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  output_.append(buf.data(), static_cast<std::size_t>(got));
  return true;
}

std::optional<std::string> child_process::wait_for_line(const std::string& text,
                                                        std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    // Complete lines only: a line is searched once its newline has arrived.
    for (auto nl = output_.find('\n', scanned_); nl != std::string::npos;
         nl = output_.find('\n', scanned_)) {
      auto line = output_.substr(scanned_, nl - scanned_);
      scanned_ = nl + 1;
      if (line.find(text) != std::string::npos) return line;
    }
    if (!read_some(std::chrono::milliseconds(millis_left(deadline)))) return std::nullopt;
  }
}

int child_process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (fd_ >= 0 && read_some(std::chrono::milliseconds(millis_left(deadline)))) {
  }
  // The pipe closes when the child exits; still open here means the time is up.
  reap(fd_ >= 0);
  if (!WIFEXITED(status_)) return -1;
  return WEXITSTATUS(status_);
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

void child_process::reap(bool kill_first) {
  if (pid_ <= 0 || exited_) return;
  if (kill_first) ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
}

}  // namespace sgmc::tools::test
