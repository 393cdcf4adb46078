#include "sgmc_test/tmp_dir.hpp"

#include <array>
#include <cstdio>

#include <sys/wait.h>

namespace sgmc::test {

command_result run_command(const std::string& command) {
  command_result r;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace sgmc::test
