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

// Where the content goes: a buffer of ours, not zero-filled (the content overwrites it) and
// huge-page backed when large, grown up to max_size as needed; or the caller's span, fixed.
struct sink {
  std::unique_ptr<unsigned char[]> data;  // ours; null for the caller's span
  unsigned char* p = nullptr;
  std::size_t size = 0, max_size = 0;
  std::string too_long;  // the error when the content does not fit

  static sink owned(std::size_t first, std::size_t max_size, std::string too_long) {
    sink s;
    s.max_size = max_size;
    s.too_long = std::move(too_long);
    s.allocate(std::clamp<std::size_t>(first, 1, std::max<std::size_t>(max_size, 1)), 0);
    return s;
  }
  static sink span(unsigned char* p, std::size_t n, std::string too_long) {
    sink s;
    s.p = p;
    s.size = s.max_size = n;
    s.too_long = std::move(too_long);
    return s;
  }
  // More space (twice, up to max_size), keeping the first `keep` bytes; false when full.
  bool grow(std::size_t keep) {
    if (!data || size >= max_size) return false;
    allocate(std::min(size * 2 + (std::size_t{1} << 20), max_size), keep);
    return true;
  }

 private:
  void allocate(std::size_t n, std::size_t keep) {
    auto bigger = std::make_unique_for_overwrite<unsigned char[]>(n);
    advise_huge_pages(bigger.get(), n);
    if (keep != 0) std::memcpy(bigger.get(), p, keep);
    data = std::move(bigger);
    p = data.get();
    size = n;
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

std::size_t trailer_size_of(int fd, std::size_t size) {
  unsigned char tail[4] = {0, 0, 0, 0};
  if (::pread(fd, tail, 4, static_cast<off_t>(size - 4)) != 4) return 1;
  return trailer_size(tail, 4);
}

// Every member of a gzip file, one after the other, into `out`; the bytes written. The
// trailer's size (mod 2^32, and a liar in a corrupt file) is only the first size of an owned
// sink: it grows when that is short, up to its maximum; libdeflate checks each member's size
// and CRC-32.
expected<std::size_t> inflate(const unsigned char* in, std::size_t n, const std::string& path,
                              sink& out) {
  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return make_error(errc::io, fmt::format("{}: out of memory to inflate it", path));
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < n) {
    std::size_t in_used = 0, out_used = 0;
    const auto r = libdeflate_gzip_decompress_ex(d.get(), in + in_pos, n - in_pos, out.p + out_pos,
                                                 out.size - out_pos, &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (!out.grow(out_pos)) return make_error(errc::invalid_data, out.too_long);
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS)
      return make_error(errc::invalid_data,
                        fmt::format("{}: corrupt or truncated gzip data", path));
    in_pos += in_used;
    out_pos += out_used;
  }
  return out_pos;
}

// Reads to the end into `out`; the bytes read. The file's size is not trusted (pipes and
// special files report 0, and /dev/zero never ends): a byte beyond what `out` may hold is an
// error.
expected<std::size_t> read_plain(int fd, const std::string& path, sink& out) {
  std::size_t done = 0;
  for (;;) {
    unsigned char probe = 0;
    if (done == out.size && !out.grow(done)) {
      // Full: only the end of the file may follow.
      const ssize_t more = ::read(fd, &probe, 1);
      if (more < 0 && errno == EINTR) continue;
      if (more > 0) return make_error(errc::invalid_data, out.too_long);
      if (more < 0)
        return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
      return done;
    }
    const ssize_t got = ::read(fd, out.p + done, out.size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
    if (got == 0) return done;
    done += static_cast<std::size_t>(got);
  }
}

bool gzip_magic(const unsigned char* b, std::size_t n) {
  return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

bool is_gzip(int fd, std::size_t size) {
  unsigned char magic[2] = {0, 0};
  return size >= 2 && ::pread(fd, magic, 2, 0) == 2 && gzip_magic(magic, 2);
}

// The whole content into `out`; the bytes written.
expected<std::size_t> read_content(int fd, std::size_t size, bool gzip, const std::string& path,
                                   sink& out) {
  if (!gzip) return read_plain(fd, path, out);
  // Not MAP_POPULATE: that reads the whole file before inflating starts. The kernel's
  // read-ahead of the whole file (WILLNEED) runs while libdeflate inflates the pages already
  // in, so a file not in the page cache costs about max(read, inflate), not their sum.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
  ::madvise(p, size, MADV_SEQUENTIAL);
  const mapped_file file(p, size);
  return inflate(file.data(), file.size(), path, out);
}

std::string too_long_message(const std::string& path, std::size_t max_size) {
  return max_size != 0
             ? fmt::format("{}: unexpected data after the end (more than the {} bytes expected)",
                           path, max_size)
             : fmt::format("{}: more data than the {} of memory of this host", path,
                           format_bytes(static_cast<double>(physical_memory())));
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
  head.gzip = is_gzip(*fd, size);
  if (head.gzip && size >= 18) head.isize = static_cast<std::uint32_t>(trailer_size_of(*fd, size));
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
  // Our buffer starts at the gzip trailer's size, or the file's.
  const bool gzip = is_gzip(*fd, size);
  const std::size_t first = !gzip ? size : size >= 18 ? trailer_size_of(*fd, size) : 1;
  sink out = sink::owned(first, max_size != 0 ? max_size : physical_memory(),
                         too_long_message(path, max_size));
  ::posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto got = read_content(*fd, size, gzip, path, out);
  ::close(*fd);
  if (!got) return unexpected(got.error());
  return gz_reader(std::move(out.data), *got, path);
}

expected<void> read_into(const std::string& path, unsigned char* dst, std::size_t size) {
  std::size_t file_size = 0;
  auto fd = open_file(path, file_size);
  if (!fd) return unexpected(fd.error());
  sink out = sink::span(dst, size, too_long_message(path, size));
  ::posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto got = read_content(*fd, file_size, is_gzip(*fd, file_size), path, out);
  ::close(*fd);
  if (!got) return unexpected(got.error());
  if (*got != size)
    return make_error(errc::invalid_data,
                      fmt::format("{}: truncated: expected {} bytes, got {}", path, size, *got));
  return {};
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
