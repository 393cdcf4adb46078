#include "gz_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace sgmc::models::detail {
namespace {

using bytes = std::vector<unsigned char>;

struct fd_closer {
  void operator()(const int* fd) const { ::close(*fd); }
};

expected<bytes> read_whole(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::io, fmt::format("cannot open {}: it is a directory", path));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::io, fmt::format("cannot open {}: {}", path, strerror(errno)));
  const std::unique_ptr<int, fd_closer> guard(&fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::read(fd, out.data() + done, out.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return make_error(errc::io, fmt::format("cannot read {}: {}", path, strerror(errno)));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  out.resize(done);
  return out;
}

// The size gzip's trailer records for the last member (mod 2^32): a first guess of the output.
std::size_t trailer_size(const bytes& in) {
  const std::size_t n = in.size();
  return std::size_t{in[n - 4]} | std::size_t{in[n - 3]} << 8 | std::size_t{in[n - 2]} << 16 |
         std::size_t{in[n - 1]} << 24;
}

const char* describe(libdeflate_result r) {
  return r == LIBDEFLATE_SHORT_OUTPUT ? "short output" : "corrupt or truncated gzip data";
}

// Every member of a gzip file, one after the other; the output grows when a guess is short.
expected<bytes> inflate(const bytes& in, const std::string& path) {
  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return make_error(errc::io, fmt::format("{}: out of memory to inflate it", path));
  bytes out(in.size() >= 18 ? std::max<std::size_t>(trailer_size(in), 1) : 1);
  std::size_t in_pos = 0, out_pos = 0;
  while (in_pos < in.size()) {
    std::size_t in_used = 0, out_used = 0;
    const auto r = libdeflate_gzip_decompress_ex(d.get(), in.data() + in_pos, in.size() - in_pos,
                                                 out.data() + out_pos, out.size() - out_pos,
                                                 &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      out.resize(out.size() * 2 + (1u << 20));
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS)
      return make_error(errc::invalid_data, fmt::format("{}: {}", path, describe(r)));
    in_pos += in_used;
    out_pos += out_used;
    if (out_pos == out.size() && in_pos < in.size()) out.resize(out.size() * 2);
  }
  out.resize(out_pos);
  return out;
}

}  // namespace

expected<gz_reader> gz_reader::open(const std::string& path) {
  auto raw = read_whole(path);
  if (!raw) return unexpected(raw.error());
  if (raw->size() < 2 || (*raw)[0] != 0x1f || (*raw)[1] != 0x8b)
    return gz_reader(std::move(*raw), path);
  auto data = inflate(*raw, path);
  if (!data) return unexpected(data.error());
  return gz_reader(std::move(*data), path);
}

expected<const unsigned char*> gz_reader::view_exact(std::size_t n, const char* what) {
  const std::size_t left = data_.size() - pos_;
  if (left < n)
    return make_error(errc::invalid_data,
                      fmt::format("{}: truncated: expected {} bytes of {}, got {}", path_, n, what,
                                  left));
  const unsigned char* p = data_.data() + pos_;
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
  std::string out(reinterpret_cast<const char*>(data_.data()) + pos_, data_.size() - pos_);
  pos_ = data_.size();
  return out;
}

expected<void> gz_reader::expect_end() {
  if (pos_ != data_.size())
    return make_error(errc::invalid_data, fmt::format("{}: unexpected data after the end", path_));
  return {};
}

}  // namespace sgmc::models::detail
