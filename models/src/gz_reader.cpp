#include "gz_reader.hpp"

#include "huge_pages.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sgmc::models::detail {
namespace {

// n bytes, not zero-filled (inflating writes them all), huge-page backed when large.
struct buffer {
  std::unique_ptr<unsigned char[]> data;
  std::size_t size = 0;

  explicit buffer(std::size_t n)
      : data(std::make_unique_for_overwrite<unsigned char[]>(n)), size(n) {
    advise_huge_pages(data.get(), n);
  }
  void grow(std::size_t n, std::size_t keep) {
    buffer bigger(n);
    std::memcpy(bigger.data.get(), data.get(), keep);
    *this = std::move(bigger);
  }
};

// The file's bytes as a read-only mapping (the page cache's own pages: no copy).
class mapped_file {
 public:
  mapped_file(void* p, std::size_t n) : p_(p), n_(n) {}
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file() {
    if (n_ != 0) ::munmap(p_, n_);
  }
  const unsigned char* data() const { return static_cast<const unsigned char*>(p_); }
  std::size_t size() const { return n_; }

 private:
  void* p_;
  std::size_t n_;
};

expected<int> open_file(const std::string& path, std::size_t& size) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::io, fmt::format("cannot open {}: it is a directory", path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::io, fmt::format("cannot open {}: {}", path, strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(e)));
  }
  size = static_cast<std::size_t>(st.st_size);
  return fd;
}

// The size gzip's trailer records for the last member (mod 2^32): a first guess of the output.
std::size_t trailer_size(const unsigned char* in, std::size_t n) {
  return std::size_t{in[n - 4]} | std::size_t{in[n - 3]} << 8 | std::size_t{in[n - 2]} << 16 |
         std::size_t{in[n - 1]} << 24;
}

// Every member of a gzip file, one after the other; the output grows when a guess is short.
expected<buffer> inflate(const unsigned char* in, std::size_t n, const std::string& path) {
  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return make_error(errc::io, fmt::format("{}: out of memory to inflate it", path));
  buffer out(n >= 18 ? std::max<std::size_t>(trailer_size(in, n), 1) : 1);
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < n) {
    std::size_t in_used = 0, out_used = 0;
    const auto r =
        libdeflate_gzip_decompress_ex(d.get(), in + in_pos, n - in_pos, out.data.get() + out_pos,
                                      out.size - out_pos, &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      out.grow(out.size * 2 + (std::size_t{1} << 20), out_pos);
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS)
      return make_error(errc::invalid_data,
                        fmt::format("{}: corrupt or truncated gzip data", path));
    in_pos += in_used;
    out_pos += out_used;
  }
  out.size = out_pos;
  return out;
}

// Reads to the end: `size` is only a first guess (pipes and special files report 0).
expected<buffer> read_plain(int fd, std::size_t size, const std::string& path) {
  buffer out(std::max<std::size_t>(size, 1) + 1);  // one spare byte to see the end at once
  std::size_t done = 0;
  for (;;) {
    if (done == out.size) out.grow(2 * out.size, done);
    const ssize_t got = ::read(fd, out.data.get() + done, out.size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  out.size = done;
  return out;
}

expected<buffer> read_content(int fd, std::size_t size, const std::string& path) {
  unsigned char magic[2] = {0, 0};
  if (size < 2 || ::pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
    return read_plain(fd, size, path);
  // Not MAP_POPULATE: that reads the whole file before inflating starts. The kernel's
  // read-ahead of the whole file (WILLNEED) runs while libdeflate inflates the pages already
  // in, so a file not in the page cache costs about max(read, inflate), not their sum.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
  ::madvise(p, size, MADV_SEQUENTIAL);
  const mapped_file file(p, size);
  return inflate(file.data(), file.size(), path);
}

}  // namespace

std::size_t inflated_size_guess(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st {};
  unsigned char head[2] = {0, 0}, tail[4] = {0, 0, 0, 0};
  std::size_t guess = 0;
  if (::fstat(fd, &st) == 0 && st.st_size >= 18 && ::pread(fd, head, 2, 0) == 2) {
    const auto size = static_cast<std::size_t>(st.st_size);
    if (head[0] != 0x1f || head[1] != 0x8b)
      guess = size;
    else if (::pread(fd, tail, 4, st.st_size - 4) == 4 && trailer_size(tail, 4) <= 16 * size)
      guess = trailer_size(tail, 4);
  }
  ::close(fd);
  return guess;
}

expected<gz_reader> gz_reader::open(const std::string& path) {
  std::size_t size = 0;
  auto fd = open_file(path, size);
  if (!fd) return unexpected(fd.error());
  ::posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto data = read_content(*fd, size, path);
  ::close(*fd);
  if (!data) return unexpected(data.error());
  return gz_reader(std::move(data->data), data->size, path);
}

expected<const unsigned char*> gz_reader::view_exact(std::size_t n, const char* what) {
  const std::size_t left = size_ - pos_;
  if (left < n)
    return make_error(
        errc::invalid_data,
        fmt::format("{}: truncated: expected {} bytes of {}, got {}", path_, n, what, left));
  const unsigned char* p = data_.get() + pos_;
  pos_ += n;
  return p;
}

expected<void> gz_reader::read_exact(void* dst, std::size_t n, const char* what) {
  auto p = view_exact(n, what);
  if (!p) return unexpected(p.error());
  if (n != 0) std::memcpy(dst, *p, n);
  return {};
}

expected<std::string> gz_reader::read_all() {
  std::string out(reinterpret_cast<const char*>(data_.get()) + pos_, size_ - pos_);
  pos_ = size_;
  return out;
}

expected<void> gz_reader::expect_end() {
  if (pos_ != size_)
    return make_error(errc::invalid_data, fmt::format("{}: unexpected data after the end", path_));
  return {};
}

}  // namespace sgmc::models::detail
