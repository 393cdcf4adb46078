#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

namespace sgmc::bench {
namespace {

constexpr int kReadyTimeoutMs = 20000;
constexpr auto kExitGrace = std::chrono::seconds(5);

// Runs in the forked child of a multithreaded parent: async-signal-safe calls only (argv is
// built before the fork).
[[noreturn]] void exec_child(int in_fd, int out_fd, char* const* argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::dup2(in_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::execv("/proc/self/exe", argv);
  ::_exit(127);
}

// Reads up to the first newline, waiting at most kReadyTimeoutMs in total.
expected<std::string> read_line(int fd) {
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return make_error(errc::timeout, "benchmark server: no ready line within 20 s");
    }
    char c = 0;
    const auto n = ::read(fd, &c, 1);
    if (n <= 0) return make_error(errc::io, "benchmark server exited before it was ready");
    if (c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace

expected<child_process> child_process::spawn(const std::vector<std::string>& args) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    return make_error(errc::io, std::string("pipe: ") + std::strerror(errno));
  }
  static char self[] = "sgmc_bench_messaging";
  std::vector<char*> argv{self};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(errc::io, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(in[0], out[1], argv.data());  // dup2 clears O_CLOEXEC on 0 and 1
  ::close(in[0]);
  ::close(out[1]);
  child_process c;
  c.pid_ = pid;
  c.stdin_fd_ = in[1];
  c.stdout_fd_ = out[0];
  auto line = read_line(c.stdout_fd_);
  if (!line) return unexpected(line.error());
  c.ready_line_ = std::move(*line);
  return c;
}

child_process::child_process(child_process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      stdin_fd_(std::exchange(o.stdin_fd_, -1)),
      stdout_fd_(std::exchange(o.stdout_fd_, -1)),
      ready_line_(std::move(o.ready_line_)) {}

child_process& child_process::operator=(child_process&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = std::exchange(o.pid_, -1);
    stdin_fd_ = std::exchange(o.stdin_fd_, -1);
    stdout_fd_ = std::exchange(o.stdout_fd_, -1);
    ready_line_ = std::move(o.ready_line_);
  }
  return *this;
}

child_process::~child_process() { stop(); }

void child_process::stop() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ > 0) {
    const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
    while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

void wait_for_parent_eof() {
  char buf[256];
  while (true) {
    const auto n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

}  // namespace sgmc::bench
