#pragma once
// Appends rows to a NumPy .npy file (format v1.0) so that numpy.load can read the file at any
// moment, also while it grows. Two kinds of file:
//  * a float32 matrix (create): a 128-byte header ("\x93NUMPY", version 1.0, header length,
//    then the dict {'descr': '<f4', 'fortran_order': False, 'shape': (rows, dim), } padded
//    with spaces and ending in '\n'), followed by rows × dim little-endian float32 in C order;
//  * a vector of fixed-size records (create_records) with a structured dtype, shape (rows,),
//    whose header is the smallest multiple of 64 bytes that fits the dict.
// The header has room for any 64-bit row count. append() writes the row data first and
// only then rewrites the row count in the header in place, so the header never claims more rows
// than are on disk; both writes are handed to the OS before append() returns.

#include "sgmc/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sgmc::engine {

class npy_writer {
 public:
  /// Size of the fixed header in bytes (a multiple of 64, as NumPy aligns data).
  static constexpr std::size_t k_header_size = 128;

  /// Creates (truncates) `path` and writes a header for 0 rows of `dim` floats.
  static expected<npy_writer> create(const std::string& path, std::size_t dim);
  /// Creates (truncates) `path` for a vector of records of `row_bytes` bytes each, whose numpy
  /// dtype is `descr` (the repr of a structured dtype, e.g. "[('a', '<u8'), ('b', '<f8')]").
  static expected<npy_writer> create_records(const std::string& path, std::string descr,
                                             std::size_t row_bytes);

  /// Reopens a file that create() (or create_records()) made, keeping its first `rows` rows and
  /// cutting the rest (resuming a run from a checkpoint): errc::invalid_data when the file
  /// holds fewer than `rows` rows.
  static expected<npy_writer> reopen(const std::string& path, std::size_t dim, std::uint64_t rows);
  static expected<npy_writer> reopen_records(const std::string& path, std::string descr,
                                             std::size_t row_bytes, std::uint64_t rows);
  npy_writer(npy_writer&& other) noexcept;
  npy_writer& operator=(npy_writer&& other) noexcept;
  npy_writer(const npy_writer&) = delete;
  npy_writer& operator=(const npy_writer&) = delete;
  ~npy_writer();

  /// Appends one row (row.size() must equal dim()), then updates the header's row count.
  expected<void> append(std::span<const float> row);
  /// Appends one record of a create_records file (row.size() must equal its row_bytes).
  expected<void> append_record(std::span<const unsigned char> row);

  /// Makes every row appended so far durable (fdatasync): they survive a crash of the host.
  expected<void> sync();

  std::size_t dim() const { return dim_; }
  std::uint64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }

  /// The header announcing `rows` × `dim` float32, exactly k_header_size bytes.
  static std::string header(std::uint64_t rows, std::size_t dim);

 private:
  npy_writer(int fd, std::string path, std::size_t dim)
      : fd_(fd), path_(std::move(path)), dim_(dim), row_bytes_(dim * sizeof(float)) {}
  static expected<npy_writer> open(npy_writer w);
  static expected<npy_writer> keep(npy_writer w, std::uint64_t rows);
  /// Makes this a writer of structured rows of dtype `descr` (row_bytes each), with a header
  /// that has room for any row count.
  void use_records(std::string descr, std::size_t row_bytes);
  std::string current_header(std::uint64_t rows) const;
  expected<void> append_bytes(const void* row);
  expected<void> write_at(const void* data, std::size_t bytes, std::uint64_t offset);

  int fd_ = -1;
  std::string path_;
  std::size_t dim_ = 0;  ///< floats per row (float32 matrix); 0 for records
  std::size_t row_bytes_ = 0;
  std::string descr_;  ///< records: the structured dtype; empty for a float32 matrix
  std::size_t header_size_ = k_header_size;
  std::uint64_t rows_ = 0;
};

}  // namespace sgmc::engine
