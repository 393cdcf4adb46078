#include "text_file.hpp"

#include "memory_bound.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace sgmc::models::detail {
namespace {

struct gz_closer {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using gz_file = std::unique_ptr<gzFile_s, gz_closer>;

constexpr std::size_t k_chunk = std::size_t{1} << 20;

expected<gz_file> open_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::io, fmt::format("cannot open {}: it is a directory", path));
  errno = 0;
  gz_file f(gzopen(path.c_str(), "rb"));
  if (!f) {
    const int e = errno;
    return make_error(errc::io, fmt::format("cannot open {}: {}", path,
                                            e != 0 ? std::strerror(e) : "zlib could not open it"));
  }
  gzbuffer(f.get(), 1u << 18);
  return f;
}

unexpected too_long(const std::string& path, std::size_t line, std::size_t max_line) {
  return make_error(errc::invalid_data,
                    fmt::format("{}: line {} is longer than {} (not a text file?)", path, line,
                                format_bytes(static_cast<double>(max_line))));
}

}  // namespace

expected<std::string> read_text_file(const std::string& path, std::size_t max_line) {
  auto f = open_text(path);
  if (!f) return unexpected(f.error());
  const std::uint64_t max_total = physical_memory() / 2;
  std::string out;
  std::size_t used = 0, line_start = 0, lines = 1;
  for (;;) {
    out.resize(used + k_chunk);
    const int got = gzread(f->get(), out.data() + used, static_cast<unsigned>(k_chunk));
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f->get(), &code);
      return make_error(errc::invalid_data,
                        fmt::format("{}: corrupt data ({})", path, msg != nullptr ? msg : "?"));
    }
    const std::size_t end = used + static_cast<std::size_t>(got);
    for (const char* nl = out.data() + used;
         (nl = static_cast<const char*>(
              std::memchr(nl, '\n', end - static_cast<std::size_t>(nl - out.data())))) != nullptr;
         ++nl) {
      const auto i = static_cast<std::size_t>(nl - out.data());
      if (i - line_start > max_line) return too_long(path, lines, max_line);
      line_start = i + 1;
      ++lines;
    }
    used = end;
    if (used - line_start > max_line) return too_long(path, lines, max_line);
    if (used > max_total)
      return make_error(errc::invalid_data,
                        fmt::format("{}: more than {} of text, half the memory of this host", path,
                                    format_bytes(static_cast<double>(max_total))));
    if (got == 0) break;
  }
  out.resize(used);
  return out;
}

}  // namespace sgmc::models::detail
