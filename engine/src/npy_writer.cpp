#include "sgmc/engine/npy_writer.hpp"

#include "sgmc/core/assert.hpp"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sgmc::engine {

static_assert(std::endian::native == std::endian::little, "npy_writer writes '<f4' natively");

namespace {

constexpr std::size_t kPreamble = 10;  // magic (6) + version (2) + header length (2)

// The whole header for `dict`, padded with spaces to `size` bytes (ending in '\n').
std::string make_header(std::string dict, std::size_t size) {
  SGMC_ASSERT(kPreamble + dict.size() + 1 <= size, "npy header does not fit");
  dict.resize(size - kPreamble - 1, ' ');
  dict += '\n';
  const auto len = static_cast<std::uint16_t>(dict.size());
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

std::string records_dict(const std::string& descr, std::uint64_t rows) {
  return fmt::format("{{'descr': {}, 'fortran_order': False, 'shape': ({},), }}", descr, rows);
}

}  // namespace

std::string npy_writer::header(std::uint64_t rows, std::size_t dim) {
  return make_header(
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, dim),
      k_header_size);
}

std::string npy_writer::current_header(std::uint64_t rows) const {
  if (descr_.empty()) return header(rows, dim_);
  return make_header(records_dict(descr_, rows), header_size_);
}

expected<npy_writer> npy_writer::open(npy_writer w) {
  const std::string h = w.current_header(0);
  if (auto r = w.write_at(h.data(), h.size(), 0); !r) return unexpected(r.error());
  return w;
}

expected<npy_writer> npy_writer::keep(npy_writer w, std::uint64_t rows) {
  struct stat st {};
  if (::fstat(w.fd_, &st) != 0)
    return make_error(errc::io, fmt::format("cannot stat {}: {}", w.path_, std::strerror(errno)));
  const std::uint64_t want = w.header_size_ + rows * w.row_bytes_;
  if (static_cast<std::uint64_t>(st.st_size) < want)
    return make_error(errc::invalid_data,
                      fmt::format("{} holds {} bytes, fewer than the {} rows the checkpoint "
                                  "counts ({} bytes)",
                                  w.path_, st.st_size, rows, want));
  if (::ftruncate(w.fd_, static_cast<off_t>(want)) != 0)
    return make_error(errc::io, fmt::format("cannot cut {}: {}", w.path_, std::strerror(errno)));
  const std::string h = w.current_header(rows);
  if (auto r = w.write_at(h.data(), h.size(), 0); !r) return unexpected(r.error());
  w.rows_ = rows;
  return w;
}

expected<npy_writer> npy_writer::reopen(const std::string& path, std::size_t dim,
                                        std::uint64_t rows) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  return keep(npy_writer(fd, path, dim), rows);
}

expected<npy_writer> npy_writer::reopen_records(const std::string& path, std::string descr,
                                                std::size_t row_bytes, std::uint64_t rows) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  npy_writer w(fd, path, 0);
  w.use_records(std::move(descr), row_bytes);
  return keep(std::move(w), rows);
}

void npy_writer::use_records(std::string descr, std::size_t row_bytes) {
  row_bytes_ = row_bytes;
  // Room for any row count: the dict with the largest one, rounded up to 64 bytes.
  const std::size_t longest = kPreamble + records_dict(descr, UINT64_MAX).size() + 1;
  header_size_ = (longest + 63) / 64 * 64;
  descr_ = std::move(descr);
}

expected<npy_writer> npy_writer::create(const std::string& path, std::size_t dim) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  return open(npy_writer(fd, path, dim));
}

expected<npy_writer> npy_writer::create_records(const std::string& path, std::string descr,
                                                std::size_t row_bytes) {
  SGMC_ASSERT(row_bytes > 0 && !descr.empty(), "npy_writer: records need a dtype and a size");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  npy_writer w(fd, path, 0);
  w.use_records(std::move(descr), row_bytes);
  return open(std::move(w));
}

npy_writer::npy_writer(npy_writer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      dim_(other.dim_),
      row_bytes_(other.row_bytes_),
      descr_(std::move(other.descr_)),
      header_size_(other.header_size_),
      rows_(other.rows_) {}

npy_writer& npy_writer::operator=(npy_writer&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    dim_ = other.dim_;
    row_bytes_ = other.row_bytes_;
    descr_ = std::move(other.descr_);
    header_size_ = other.header_size_;
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
  SGMC_ASSERT(descr_.empty(), "npy_writer::append on a file of records");
  SGMC_ASSERT(row.size() == dim_, "npy_writer::append: row length differs from dim");
  return append_bytes(row.data());
}

expected<void> npy_writer::append_record(std::span<const unsigned char> row) {
  SGMC_ASSERT(!descr_.empty(), "npy_writer::append_record on a float32 matrix");
  SGMC_ASSERT(row.size() == row_bytes_, "npy_writer::append_record: record size differs");
  return append_bytes(row.data());
}

expected<void> npy_writer::sync() {
  SGMC_ASSERT(fd_ >= 0, "npy_writer::sync on a moved-from writer");
  if (::fdatasync(fd_) != 0)
    return make_error(errc::io, fmt::format("cannot sync {}: {}", path_, std::strerror(errno)));
  return {};
}

// The row first, then the header's row count: the header never claims a row not on disk.
expected<void> npy_writer::append_bytes(const void* row) {
  SGMC_ASSERT(fd_ >= 0, "npy_writer::append on a moved-from writer");
  if (auto r = write_at(row, row_bytes_, header_size_ + rows_ * row_bytes_); !r) return r;
  const std::string h = current_header(rows_ + 1);
  if (auto r = write_at(h.data(), h.size(), 0); !r) return r;
  ++rows_;
  return {};
}

}  // namespace sgmc::engine
