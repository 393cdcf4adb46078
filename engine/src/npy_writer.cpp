#include "sgmc/engine/npy_writer.hpp"

#include "sgmc/core/assert.hpp"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace sgmc::engine {

static_assert(std::endian::native == std::endian::little, "npy_writer writes '<f4' natively");

std::string npy_writer::header(std::uint64_t rows, std::size_t dim) {
  std::string dict =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, dim);
  const std::size_t preamble = 10;  // magic (6) + version (2) + header length (2)
  SGMC_ASSERT(preamble + dict.size() + 1 <= k_header_size, "npy header does not fit");
  dict.resize(k_header_size - preamble - 1, ' ');
  dict += '\n';
  const auto len = static_cast<std::uint16_t>(dict.size());
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

expected<npy_writer> npy_writer::create(const std::string& path, std::size_t dim) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  npy_writer w(fd, path, dim);
  const std::string h = header(0, dim);
  if (auto r = w.write_at(h.data(), h.size(), 0); !r) return unexpected(r.error());
  return w;
}

npy_writer::npy_writer(npy_writer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      dim_(other.dim_),
      rows_(other.rows_) {}

npy_writer& npy_writer::operator=(npy_writer&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    dim_ = other.dim_;
    rows_ = other.rows_;
  }
  return *this;
}

npy_writer::~npy_writer() {
  if (fd_ >= 0) ::close(fd_);
}

expected<void> npy_writer::write_at(const void* data, std::size_t bytes, std::uint64_t offset) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd_, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return make_error(errc::io, fmt::format("cannot write {}: {}", path_,
                                              n < 0 ? std::strerror(errno) : "short write"));
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

expected<void> npy_writer::append(std::span<const float> row) {
  SGMC_ASSERT(row.size() == dim_, "npy_writer::append: row length differs from dim");
  SGMC_ASSERT(fd_ >= 0, "npy_writer::append on a moved-from writer");
  const std::uint64_t row_bytes = dim_ * sizeof(float);
  if (auto r = write_at(row.data(), row_bytes, k_header_size + rows_ * row_bytes); !r) return r;
  const std::string h = header(rows_ + 1, dim_);
  if (auto r = write_at(h.data(), h.size(), 0); !r) return r;
  ++rows_;
  return {};
}

}  // namespace sgmc::engine
