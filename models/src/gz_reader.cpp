#include "gz_reader.hpp"

#include "huge_pages.hpp"
#include "memory_bound.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

// Every member of a gzip file, one after the other, into at most max_size bytes. The trailer's
// size (mod 2^32, and a liar in a corrupt file) is only the first size tried: the output grows
// when it is short, up to max_size, and libdeflate checks each member's size and CRC-32.
expected<buffer> inflate(const unsigned char* in, std::size_t n, const std::string& path,
                         std::size_t max_size, const std::string& too_long) {
  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return make_error(errc::io, fmt::format("{}: out of memory to inflate it", path));
  const std::size_t guess = n >= 18 ? trailer_size(in, n) : 0;
  buffer out(std::clamp<std::size_t>(guess, 1, std::max<std::size_t>(max_size, 1)));
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < n) {
    std::size_t in_used = 0, out_used = 0;
    const auto r =
        libdeflate_gzip_decompress_ex(d.get(), in + in_pos, n - in_pos, out.data.get() + out_pos,
                                      out.size - out_pos, &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (out.size >= max_size) return make_error(errc::invalid_data, too_long);
      out.grow(std::min(out.size * 2 + (std::size_t{1} << 20), max_size), out_pos);
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

// Reads to the end, at most max_size bytes: `size` is only a first guess (pipes and special
// files report 0, and /dev/zero never ends).
expected<buffer> read_plain(int fd, std::size_t size, const std::string& path, std::size_t max_size,
                            const std::string& too_long) {
  // One spare byte to see the end (or a byte too many) at once.
  buffer out(std::min(std::max<std::size_t>(size, 1), max_size) + 1);
  std::size_t done = 0;
  for (;;) {
    if (done == out.size) {
      if (done > max_size) return make_error(errc::invalid_data, too_long);
      out.grow(std::min(2 * out.size, max_size + 1), done);
    }
    const ssize_t got = ::read(fd, out.data.get() + done, out.size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  if (done > max_size) return make_error(errc::invalid_data, too_long);
  out.size = done;
  return out;
}

bool gzip_magic(const unsigned char* b, std::size_t n) {
  return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

expected<buffer> read_content(int fd, std::size_t size, const std::string& path,
                              std::size_t max_size, const std::string& too_long) {
  unsigned char magic[2] = {0, 0};
  if (size < 2 || ::pread(fd, magic, 2, 0) != 2 || !gzip_magic(magic, 2))
    return read_plain(fd, size, path, max_size, too_long);
  // Not MAP_POPULATE: that reads the whole file before inflating starts. The kernel's
  // read-ahead of the whole file (WILLNEED) runs while libdeflate inflates the pages already
  // in, so a file not in the page cache costs about max(read, inflate), not their sum.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
  ::madvise(p, size, MADV_SEQUENTIAL);
  const mapped_file file(p, size);
  return inflate(file.data(), file.size(), path, max_size, too_long);
}

// Inflates the start of a gzip file (every member, in turn) into `out` until it is full or
// the data end; reads the input 16 KiB at a time.
expected<std::size_t> inflate_head(int fd, const std::string& path, unsigned char* out,
                                   std::size_t n) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return make_error(errc::io, fmt::format("{}: out of memory to inflate it", path));
  unsigned char in[16384];
  off_t offset = 0;
  zs.next_out = out;
  zs.avail_out = static_cast<uInt>(n);
  int r = Z_OK;
  while (zs.avail_out > 0) {
    if (zs.avail_in == 0) {
      const ssize_t got = ::pread(fd, in, sizeof in, offset);
      if (got <= 0) break;  // the end (or an error the whole read will report)
      offset += got;
      zs.next_in = in;
      zs.avail_in = static_cast<uInt>(got);
    }
    r = inflate(&zs, Z_NO_FLUSH);
    if (r == Z_STREAM_END) {
      if (zs.avail_in == 0 && ::pread(fd, in, 2, offset) <= 0) break;
      inflateReset(&zs);  // another member follows
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      break;
    }
  }
  const std::size_t got = n - zs.avail_out;
  inflateEnd(&zs);
  if (r == Z_DATA_ERROR || r == Z_NEED_DICT)
    return make_error(errc::invalid_data, fmt::format("{}: corrupt or truncated gzip data", path));
  return got;
}

}  // namespace

expected<file_head> peek(const std::string& path, std::size_t n) {
  std::size_t size = 0;
  auto fd = open_file(path, size);
  if (!fd) return unexpected(fd.error());
  file_head head;
  head.file_size = size;
  unsigned char magic[2] = {0, 0};
  head.gzip = size >= 2 && ::pread(*fd, magic, 2, 0) == 2 && gzip_magic(magic, 2);
  head.bytes.resize(n);
  auto* out = reinterpret_cast<unsigned char*>(head.bytes.data());
  expected<std::size_t> got = std::size_t{0};
  if (head.gzip) {
    got = inflate_head(*fd, path, out, n);
  } else {
    const ssize_t r = ::pread(*fd, out, n, 0);
    if (r < 0)
      got = make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
    else
      got = static_cast<std::size_t>(r);
  }
  ::close(*fd);
  if (!got) return unexpected(got.error());
  head.bytes.resize(*got);
  return head;
}

expected<gz_reader> gz_reader::open(const std::string& path, std::size_t max_size) {
  std::size_t size = 0;
  auto fd = open_file(path, size);
  if (!fd) return unexpected(fd.error());
  const std::string too_long =
      max_size != 0
          ? fmt::format("{}: unexpected data after the end (more than the {} bytes expected)", path,
                        max_size)
          : fmt::format("{}: more data than the {} of memory of this host", path,
                        format_bytes(static_cast<double>(physical_memory())));
  if (max_size == 0) max_size = static_cast<std::size_t>(physical_memory());
  ::posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto data = read_content(*fd, size, path, max_size, too_long);
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
