#pragma once
// Shared by the test binaries of every module: a fresh temporary folder per test (removed at
// the end) and running a shell command.

#include <filesystem>
#include <string>

#include <unistd.h>

namespace sgmc::test {

class tmp_dir {
 public:
  explicit tmp_dir(const std::string& tag) {
    static int counter = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("sgmc-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~tmp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  tmp_dir(const tmp_dir&) = delete;
  tmp_dir& operator=(const tmp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Runs a shell command; returns its exit status and stdout+stderr.
struct command_result {
  int status = -1;
  std::string output;
};
command_result run_command(const std::string& command);

}  // namespace sgmc::test
