#include "sgmc/engine/metrics_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sgmc::engine {
namespace {

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";  // JSON has no NaN or Inf
  return fmt::format("{}", x);
}

}  // namespace

std::string to_json(const metrics_record& r) {
  std::string out = fmt::format(
      "{{\"chain\": {}, \"step\": {}, \"wall_s\": {}, \"step_size\": {}, \"potential\": {}, "
      "\"draws\": {}",
      r.chain, r.step, json_number(r.wall_s), json_number(r.step_size), json_number(r.potential),
      r.draws);
  for (const auto& [name, value] : r.values)
    out += fmt::format(", \"{}\": {}", name, json_number(value));  // names are our own: no escaping
  return out + "}";
}

expected<metrics_writer> metrics_writer::create(const std::string& path, bool append) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  return metrics_writer(fd, path);
}

metrics_writer::metrics_writer(metrics_writer&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), lock_(std::move(other.lock_)) {
  other.fd_ = -1;
}

metrics_writer& metrics_writer::operator=(metrics_writer&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    path_ = std::move(other.path_);
    lock_ = std::move(other.lock_);
  }
  return *this;
}

metrics_writer::~metrics_writer() {
  if (fd_ >= 0) ::close(fd_);
}

expected<void> metrics_writer::write(const metrics_record& record) const {
  const std::string line = to_json(record) + "\n";
  const std::lock_guard<std::mutex> hold(*lock_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    return make_error(errc::io, fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : ENOSPC;
    if (done > 0 && ::ftruncate(fd_, st.st_size) != 0)
      return make_error(errc::io, fmt::format("cannot write {}: {}; its last line is cut off",
                                              path_, std::strerror(err)));
    return make_error(errc::io, fmt::format("cannot write {}: {}", path_, std::strerror(err)));
  }
  return {};
}

}  // namespace sgmc::engine
