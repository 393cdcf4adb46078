#pragma once
// A gzip-or-plain file opened with zlib (gzopen reads non-gzip files as they are), with reads
// that report short or corrupt data as errors naming the file.

#include "sgmc/core/error.hpp"

#include <zlib.h>

#include <cstddef>
#include <string>

namespace sgmc::models::detail {

class gz_reader {
 public:
  /// errc::io naming `path` when it cannot be opened.
  static expected<gz_reader> open(const std::string& path);

  gz_reader(gz_reader&& other) noexcept : file_(other.file_), path_(std::move(other.path_)) {
    other.file_ = nullptr;
  }
  gz_reader& operator=(gz_reader&&) = delete;
  gz_reader(const gz_reader&) = delete;
  ~gz_reader();

  const std::string& path() const { return path_; }

  /// Reads exactly n bytes of `what`; a short read is errc::invalid_data ("truncated").
  expected<void> read_exact(void* dst, std::size_t n, const char* what);
  /// Reads everything that is left.
  expected<std::string> read_all();
  /// Checks that the file ends here (and, for gzip, that its checksum is right).
  expected<void> expect_end();

 private:
  gz_reader(gzFile file, std::string path) : file_(file), path_(std::move(path)) {}
  /// gzread in pieces of at most 1 GiB; returns bytes read or an error for corrupt data.
  expected<std::size_t> read_some(void* dst, std::size_t n);

  gzFile file_ = nullptr;
  std::string path_;
};

}  // namespace sgmc::models::detail
