#pragma once
// A gzip-or-plain file read whole into memory: a file that starts with the gzip magic (1f 8b)
// is mapped and inflated at once with libdeflate (every member of a multi-member file, each
// checked against its CRC-32 and size) into a buffer that is never zero-filled first; any
// other file is read as it is. Reads then copy (or view) out of memory; short or corrupt data
// are errors naming the file, and so is content beyond a bound the caller gives (never held
// in memory). `read_into` puts the content into the caller's memory instead; `peek` inflates
// only the first bytes (a header) with zlib.

#include "sgmc/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sgmc::models::detail {

/// The first bytes of a file's content, inflated when it is gzip (streamed with zlib: only as
/// much input as they need is read and inflated), to read a header before the whole file.
struct file_head {
  std::string bytes;          // up to the n asked for; fewer when the content is shorter
  std::size_t file_size = 0;  // bytes on disk
  bool gzip = false;          // starts with the gzip magic (1f 8b)
  std::uint32_t isize = 0;    // gzip: the last member's size from the trailer (mod 2^32)
};

/// errc::io naming `path` when it cannot be opened or read; errc::invalid_data naming it when
/// its gzip data are corrupt where they start.
expected<file_head> peek(const std::string& path, std::size_t n);

/// The whole content of `path` (inflated when it is gzip) into dst[0, size), in one pass and
/// no buffer of its own: errors as gz_reader::open, and errc::invalid_data naming the file when
/// the content is not exactly `size` bytes (shorter: "truncated"; longer: "unexpected data").
expected<void> read_into(const std::string& path, unsigned char* dst, std::size_t size);

class gz_reader {
 public:
  /// errc::io naming `path` when it cannot be opened or read; errc::invalid_data naming it
  /// when its gzip data are corrupt or truncated, or when its content is longer than
  /// `max_size` bytes (0: the memory of this host), which is never exceeded in memory.
  static expected<gz_reader> open(const std::string& path, std::size_t max_size = 0);

  const std::string& path() const { return path_; }

  /// Reads exactly n bytes of `what`; a short read is errc::invalid_data ("truncated").
  expected<void> read_exact(void* dst, std::size_t n, const char* what);
  /// The next n bytes without copying (valid while the reader lives), or the same error as
  /// read_exact.
  expected<const unsigned char*> view_exact(std::size_t n, const char* what);
  /// Reads everything that is left.
  expected<std::string> read_all();
  /// Checks that the file ends here.
  expected<void> expect_end();

 private:
  gz_reader(std::unique_ptr<unsigned char[]> data, std::size_t size, std::string path)
      : data_(std::move(data)), size_(size), path_(std::move(path)) {}

  std::unique_ptr<unsigned char[]> data_;  // the whole (inflated) content: size_ bytes
  std::size_t size_ = 0, pos_ = 0;
  std::string path_;
};

}  // namespace sgmc::models::detail
