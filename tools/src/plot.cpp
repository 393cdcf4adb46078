#include "sgmc/tools/plot.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sgmc::tools {

namespace fs = std::filesystem;

namespace {

std::string default_python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/// The environment with `dir` put first on PYTHONPATH.
std::vector<std::string> environment_with_pythonpath(const std::string& dir) {
  std::vector<std::string> env;
  std::string_view earlier;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry = *e;
    if (entry.starts_with("PYTHONPATH="))
      earlier = entry.substr(11);
    else
      env.emplace_back(entry);
  }
  env.push_back(earlier.empty() ? fmt::format("PYTHONPATH={}", dir)
                                : fmt::format("PYTHONPATH={}:{}", dir, earlier));
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

}  // namespace

expected<int> plot(const plot_options& o) {
  std::error_code ec;
  if (!fs::is_directory(o.run_dir, ec))
    return make_error(errc::invalid_argument, fmt::format("{}: not a folder", o.run_dir));
  const std::string dir = o.python_dir.empty() ? std::string(SGMC_PYTHON_DIR) : o.python_dir;
  if (!fs::exists(fs::path(dir) / "sgmc" / "plot.py", ec))
    return make_error(errc::invalid_argument,
                      fmt::format("the sgmc Python package is not in {} (sgmc/plot.py)", dir));
  const std::string python = o.python.empty() ? default_python() : o.python;
  std::vector<std::string> args{python, "-m", "sgmc.plot", o.run_dir};
  if (!o.out_dir.empty()) args.insert(args.end(), {"--out", o.out_dir});
  auto env = environment_with_pythonpath(dir);
  auto argv = pointers(args);
  auto envp = pointers(env);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0)
    return make_error(errc::io, fmt::format("cannot start {}: {}", python, std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return make_error(errc::io, "waiting for the plot script failed");
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2))
    return WEXITSTATUS(status);
  return make_error(
      errc::io, fmt::format("{} -m sgmc.plot failed ({}); is python3-matplotlib "
                            "installed?",
                            python,
                            WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                              : std::string("killed by a signal")));
}

}  // namespace sgmc::tools
