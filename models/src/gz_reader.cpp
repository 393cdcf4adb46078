#include "gz_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sgmc::models::detail {

expected<gz_reader> gz_reader::open(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::io, fmt::format("cannot open {}: it is a directory", path));
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int e = errno;
    return make_error(errc::io, fmt::format("cannot open {}: {}", path,
                                            e != 0 ? std::strerror(e) : "zlib could not open it"));
  }
  gzbuffer(f, 1u << 18);
  return gz_reader(f, path);
}

gz_reader::~gz_reader() {
  if (file_ != nullptr) gzclose(file_);
}

expected<std::size_t> gz_reader::read_some(void* dst, std::size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t done = 0;
  while (done < n) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
    const int got = gzread(file_, out + done, want);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(file_, &code);
      return make_error(errc::invalid_data,
                        fmt::format("{}: corrupt data ({})", path_, msg != nullptr ? msg : "?"));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

expected<void> gz_reader::read_exact(void* dst, std::size_t n, const char* what) {
  auto got = read_some(dst, n);
  if (!got) return unexpected(got.error());
  if (*got != n) {
    int code = 0;
    const char* msg = gzerror(file_, &code);
    const std::string detail = code != Z_OK && msg != nullptr ? fmt::format(" ({})", msg) : "";
    return make_error(errc::invalid_data,
                      fmt::format("{}: truncated: expected {} bytes of {}, got {}{}", path_, n,
                                  what, *got, detail));
  }
  return {};
}

expected<std::string> gz_reader::read_all() {
  std::string out;
  std::size_t used = 0;
  for (;;) {
    out.resize(used + (1u << 20));
    auto got = read_some(out.data() + used, out.size() - used);
    if (!got) return unexpected(got.error());
    used += *got;
    if (used < out.size()) break;
  }
  out.resize(used);
  return out;
}

expected<void> gz_reader::expect_end() {
  unsigned char extra = 0;
  auto got = read_some(&extra, 1);
  if (!got) return unexpected(got.error());
  if (*got != 0)
    return make_error(errc::invalid_data, fmt::format("{}: unexpected data after the end", path_));
  return {};
}

}  // namespace sgmc::models::detail
